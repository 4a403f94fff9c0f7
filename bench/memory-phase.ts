import type { EvaluateLog } from './evaluate-log.js';
import { mixed, type Target } from './load.js';
import type { PatientSource } from './patients.js';
import { cpuBetween, cpuSeconds } from './process-cpu.js';
import { sampleRss } from './processes.js';
import type { MemoryResult } from './report.js';
import { summarize, type ScenarioResult } from './slices.js';
import type { Stack } from './stack.js';

export interface MemoryPhaseInput {
  stack: Stack;
  target: Target;
  patients: PatientSource;
  /** Recommendations to read: the cache path. */
  ids: readonly string[];
  log: EvaluateLog;
  requests: number;
  progress: (line: string) => void;
}

/** A fixed number of mixed requests (not a duration): is the API's RSS steady once warm? */
export async function runMemoryPhase(input: MemoryPhaseInput): Promise<{ row: ScenarioResult; memory: MemoryResult }> {
  const { stack, target, patients, ids, log, requests } = input;
  // Warm up on this very mix first: the earlier phases never shaped the heap for it.
  const warmUpRequests = Math.min(10_000, Math.ceil(requests / 10));
  input.progress(`memory phase: ${warmUpRequests} mixed requests to warm up, then ${requests} measured`);
  await mixed(target, patients, ids, log, { amount: warmUpRequests });

  const { api, worker } = stack;
  const rss = sampleRss(api.pid);
  const cpu0 = { api: cpuSeconds(api.pid), worker: worker ? cpuSeconds(worker.pid) : undefined };
  const slice = await mixed(target, patients, ids, log, { amount: requests }).finally(() => rss.stop());
  // From the load's start: autocannon first builds its requests, with none in flight.
  const { startedAt: warm, endedAt: end } = slice;
  const cpu = {
    server: cpuBetween(cpu0.api, cpuSeconds(api.pid)),
    ...(worker ? { worker: cpuBetween(cpu0.worker, cpuSeconds(worker.pid)) } : {}),
    loadGenerator: slice.loadGenCpuSeconds,
  };

  // GC timing makes RSS spike by up to a third for seconds at a time, so a single reading
  // decides nothing: compare the medians of the first and the last 15% of the measured requests.
  const window = (end - warm) * 0.15;
  const before = rss.medianBetween(warm, warm + window);
  const after = rss.medianBetween(end - window, end);
  return {
    // Not interleaved with the ceiling: it answers a memory question, not a throughput one.
    row: summarize('mixed (memory phase)', [slice], cpu, { ratioToCeiling: null }),
    memory: {
      requests,
      windowSec: Math.round(window / 100) / 10,
      rssBeforeMb: mb(before),
      rssAfterMb: mb(after),
      rssPeakMb: mb(rss.maxBetween(warm, end)),
      growthPct: ((after - before) / before) * 100,
    },
  };
}

function mb(bytes: number): number {
  return Math.round(bytes / 104_857.6) / 10;
}
