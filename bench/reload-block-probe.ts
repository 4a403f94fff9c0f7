// A short targeted probe, not part of `npm run bench`: how long a hot reload of
// a large ruleset holds up the requests being served. Starts the service with a
// generated ruleset, keeps GET /health/live busy back-to-back on a few
// connections, writes the next version (1.0.1) into RULES_DIR, and reports the
// worst request latency while the reload runs and how long until GET /rules
// shows 1.0.1 active.
// Usage: npx tsx bench/reload-block-probe.ts [rules=10000] [banded|dense]
// PROBE_NODE_FLAGS="--trace-gc" or "--cpu-prof --cpu-prof-dir=/tmp/prof" passes node flags to the service only.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { generatedRuleset } from './generated-ruleset.js';
import { percentile } from './percentile.js';
import { startProbeService } from './probe-service.js';

const count = Number(process.argv[2] ?? 10_000);
const shape = process.argv[3] === 'dense' ? 'dense' : 'banded';
const CONNECTIONS = 4;
/** Quiet time measured before the write (the baseline) and after activation (a late GC, a first GET /rules). */
const SETTLE_MS = 1500;

const rulesetText = (version: string) => JSON.stringify(generatedRuleset(count, version, shape));
const nextText = rulesetText('1.0.1');
const service = await startProbeService(rulesetText('1.0.0'), { withWorker: false });
const { base } = service;

interface Sample {
  /** performance.now() when the request was sent. */
  at: number;
  ms: number;
}

/** Back-to-back GET /health/live on one connection until `stop()`: each gap the service leaves shows as one slow request. */
function poller(samples: Sample[], running: () => boolean): Promise<void> {
  return (async () => {
    while (running()) {
      const at = performance.now();
      const res = await fetch(`${base}/health/live`);
      await res.arrayBuffer();
      samples.push({ at, ms: performance.now() - at });
    }
  })();
}

async function activeVersion(token: string): Promise<{ version: string | undefined; ms: number }> {
  const at = performance.now();
  const res = await fetch(`${base}/rules`, { headers: { authorization: `Bearer ${token}` } });
  const body = (await res.json()) as { active?: { version?: string } | null };
  return { version: body.active?.version ?? undefined, ms: performance.now() - at };
}

function summary(samples: readonly Sample[]): string {
  const sorted = Float64Array.from(samples.map((s) => s.ms)).sort();
  if (sorted.length === 0) return 'no requests';
  return `${sorted.length} requests, p50 ${percentile(sorted, 0.5).toFixed(1)} ms, p99 ${percentile(sorted, 0.99).toFixed(1)} ms, worst ${(sorted[sorted.length - 1] as number).toFixed(1)} ms`;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

try {
  console.log(`${shape}: ${count} rules, file ${(nextText.length / 1e6).toFixed(1)} MB, ready after ${service.readyAfterMs} ms`);
  const token = service.token(['rules:read']);
  // The first GET /rules builds the active version's summary once: not part of the reload.
  await activeVersion(token);

  const samples: Sample[] = [];
  let running = true;
  const pollers = Array.from({ length: CONNECTIONS }, () => poller(samples, () => running));
  await sleep(SETTLE_MS);
  const writtenAt = performance.now();
  await writeFile(path.join(service.rulesDir, '1.0.1.json'), nextText);
  let rulesWorstMs = 0;
  for (;;) {
    const { version, ms } = await activeVersion(token);
    rulesWorstMs = Math.max(rulesWorstMs, ms);
    if (version === '1.0.1') break;
    if (performance.now() - writtenAt > 30_000) throw new Error('1.0.1 was not active within 30 s');
    await sleep(50);
  }
  const activeAt = performance.now();
  await sleep(SETTLE_MS);
  running = false;
  await Promise.all(pollers);

  console.log(`1.0.1 active in GET /rules ${(activeAt - writtenAt).toFixed(0)} ms after the write (watcher debounce included); slowest GET /rules ${rulesWorstMs.toFixed(1)} ms`);
  console.log(`before the write:        ${summary(samples.filter((s) => s.at < writtenAt))}`);
  console.log(`write to active + ${SETTLE_MS / 1000} s: ${summary(samples.filter((s) => s.at >= writtenAt))}`);
  const slowest = [...samples].sort((a, b) => b.ms - a.ms).slice(0, 5);
  console.log(`slowest requests (sent at ms from the write): ${slowest.map((s) => `${s.ms.toFixed(0)} ms at ${(s.at - writtenAt).toFixed(0)}`).join(', ')}`);
} finally {
  await service.stop();
}
