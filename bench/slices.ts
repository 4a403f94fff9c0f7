import { percentile } from './percentile.js';

/** The counters of autocannon's result for one run (under `skipAggregateResult`) that a slice keeps. */
export interface RawRun {
  /** Connection errors and timeouts. */
  errors: number;
  non2xx: number;
}

/** One autocannon run; a scenario is one slice or several. */
export interface Slice {
  url: string;
  /** Responses received, whatever their status, to requests sent from the start of the load (load.ts). */
  requests: number;
  /** From the start of the load to its end. */
  seconds: number;
  /** This process's CPU time over those seconds: what the load generator took from the shared cores. */
  loadGenCpuSeconds: number;
  /** Each of those responses' latency, ms. */
  latencies: number[];
  /** Wall clock (ms since the epoch) when the load started and when it ended. */
  startedAt: number;
  endedAt: number;
  errors: number;
  non2xx: number;
  /** The first few non-2xx bodies, so a failed budget says why. */
  samples: string[];
}

/** One row of the report: a scenario over all its slices. */
export interface ScenarioResult {
  name: string;
  requests: number;
  /** Measured load time, summed over the slices. */
  seconds: number;
  reqPerSec: number;
  /** Latency percentiles (ms) of all the slices' latencies together: not a max or median of per-slice figures. */
  p50: number;
  p97_5: number;
  p99: number;
  /** Connection errors and timeouts. */
  errors: number;
  non2xx: number;
  samples: string[];
  /** Server process CPU time (user + system) per request, µs; null where /proc cannot tell. */
  cpuUsPerRequest: number | null;
  /** With --redis, the worker process's CPU time per request of this scenario, µs. */
  workerCpuUsPerRequest?: number | null;
  /** autocannon's own CPU time per request (this process), µs: what the load generator took from the shared cores. */
  loadGenCpuUsPerRequest: number;
  /** req/s over the ceiling's in the slices interleaved with this scenario; 1 for the ceiling, null when not interleaved. */
  ratioToCeiling: number | null;
  /** The ratio of each round (one ceiling slice, then one scenario slice) and their median: how steady the machine was. */
  rounds?: { ratios: number[]; medianRatio: number };
  /**
   * Share of the service's CPU time (API + worker) for this scenario that fell in the ceiling slices:
   * work it deferred (to the worker), which competed with the ceiling and so flatters ratioToCeiling.
   */
  cpuShareInCeilingSlices?: number | null;
  /** p99 (ms) of the bare express route in the ceiling slices interleaved with this scenario: the machine's own latency in the same rounds. */
  ceilingP99?: number;
}

/** CPU seconds used while the slices ran; undefined where /proc cannot tell. */
export interface SliceCpu {
  server: number | undefined;
  worker?: number | undefined;
  loadGenerator: number;
}

export type Interleaving = Pick<ScenarioResult, 'ratioToCeiling' | 'rounds' | 'cpuShareInCeilingSlices' | 'ceilingP99'>;

export function summarize(name: string, slices: readonly Slice[], cpu: SliceCpu, interleaving: Interleaving): ScenarioResult {
  if (slices.length === 0) throw new Error(`${name}: no slices to summarize`);
  const ms = latencyMs(slices);
  const requests = sum(slices.map((s) => s.requests));
  const seconds = sum(slices.map((s) => s.seconds));
  const perRequest = (cpuSec: number | undefined) => (cpuSec === undefined || requests === 0 ? null : (cpuSec * 1e6) / requests);
  return {
    name,
    requests,
    seconds,
    reqPerSec: requests / seconds,
    p50: ms(0.5),
    p97_5: ms(0.975),
    p99: ms(0.99),
    errors: sum(slices.map((s) => s.errors)),
    non2xx: sum(slices.map((s) => s.non2xx)),
    samples: slices.flatMap((s) => s.samples).slice(0, 3),
    cpuUsPerRequest: perRequest(cpu.server),
    ...('worker' in cpu ? { workerCpuUsPerRequest: perRequest(cpu.worker) } : {}),
    loadGenCpuUsPerRequest: perRequest(cpu.loadGenerator) ?? 0,
    ...interleaving,
  };
}

/**
 * Latency percentiles (ms, to a tenth) of all the slices' latencies together:
 * a max of per-slice p99s would overstate, and a median of p50s guess.
 */
export function latencyMs(slices: readonly Slice[]): (fraction: number) => number {
  const latencies = Float64Array.from(slices.flatMap((s) => s.latencies)).sort();
  return (fraction) => Math.round(percentile(latencies, fraction) * 10) / 10;
}

/** Requests per second over the measured time of the slices (a slice may run a little past its nominal length). */
export function rate(slices: readonly Slice[]): number {
  return sum(slices.map((s) => s.requests)) / sum(slices.map((s) => s.seconds));
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
