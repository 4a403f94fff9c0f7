import autocannon from 'autocannon';

/** autocannon's result for one run under `skipAggregateResult`: plain counters and the latency histogram, encoded. */
export interface RawRun {
  totalCompletedRequests: number;
  /** Seconds, to 10 ms, from before autocannon built its requests: see `Slice.seconds`. */
  duration: number;
  errors: number;
  non2xx: number;
}

/** One autocannon run; a scenario is one slice or several. */
export interface Slice {
  url: string;
  /** Responses received, whatever their status. */
  requests: number;
  /** From the start of the load (autocannon's 'start' event) to its end: not autocannon's `duration`, which includes building the requests. */
  seconds: number;
  /** This process's CPU time over those seconds: what the load generator took from the shared cores. */
  loadGenCpuSeconds: number;
  /** Wall clock (ms since the epoch) when the load started and when it ended. */
  startedAt: number;
  endedAt: number;
  errors: number;
  non2xx: number;
  /** The first few non-2xx bodies, so a failed budget says why. */
  samples: string[];
  raw: RawRun;
}

/** One row of the report: a scenario over all its slices. */
export interface ScenarioResult {
  name: string;
  requests: number;
  /** Measured load time, summed over the slices. */
  seconds: number;
  reqPerSec: number;
  /** Latency percentiles of all the slices' latencies merged into one histogram: not a max or median of per-slice figures. */
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
}

/** CPU seconds used while the slices ran; undefined where /proc cannot tell. */
export interface SliceCpu {
  server: number | undefined;
  worker?: number | undefined;
  loadGenerator: number;
}

// In autocannon's README (`autocannon.aggregateResult(results[, opts])`), missing from @types/autocannon.
const { aggregateResult } = autocannon as unknown as {
  aggregateResult(runs: RawRun[], opts: { url: string; title?: string }): autocannon.Result;
};

export type Interleaving = Pick<ScenarioResult, 'ratioToCeiling' | 'rounds' | 'cpuShareInCeilingSlices'>;

export function summarize(name: string, slices: readonly Slice[], cpu: SliceCpu, interleaving: Interleaving): ScenarioResult {
  const first = slices[0];
  if (first === undefined) throw new Error(`${name}: no slices to summarize`);
  // Merging the raw histograms is exact, where a max of per-slice p99s would overstate and a median of p50s guess.
  const { latency } = aggregateResult(slices.map((s) => s.raw), { url: first.url, title: name });
  const requests = sum(slices.map((s) => s.requests));
  const seconds = sum(slices.map((s) => s.seconds));
  const perRequest = (cpuSec: number | undefined) => (cpuSec === undefined || requests === 0 ? null : (cpuSec * 1e6) / requests);
  return {
    name,
    requests,
    seconds,
    reqPerSec: requests / seconds,
    p50: latency.p50,
    p97_5: latency.p97_5,
    p99: latency.p99,
    errors: sum(slices.map((s) => s.errors)),
    non2xx: sum(slices.map((s) => s.non2xx)),
    samples: slices.flatMap((s) => s.samples).slice(0, 3),
    cpuUsPerRequest: perRequest(cpu.server),
    ...('worker' in cpu ? { workerCpuUsPerRequest: perRequest(cpu.worker) } : {}),
    loadGenCpuUsPerRequest: perRequest(cpu.loadGenerator) ?? 0,
    ...interleaving,
  };
}

/** Requests per second over the measured time of the slices (a slice may run a little past its nominal length). */
export function rate(slices: readonly Slice[]): number {
  return sum(slices.map((s) => s.requests)) / sum(slices.map((s) => s.seconds));
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
