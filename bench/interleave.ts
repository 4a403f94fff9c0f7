import type { Length } from './load.js';
import { cpuBetween, cpuSeconds } from './process-cpu.js';
import { latencyMs, rate, summarize, type ScenarioResult, type Slice, type SliceCpu } from './slices.js';
import { median } from './median.js';

// The machine's speed drifts by a factor of two within minutes (other tenants), so a
// ceiling measured once and a scenario measured later do not compare. Alternating short
// slices of both, and comparing sums over the same rounds, exposes both to the same drift.

export interface InterleaveOptions {
  rounds: number;
  sliceSec: number;
  ceiling: (length: Length) => Promise<Slice>;
  scenario: (length: Length) => Promise<Slice>;
  pids: { ceiling: number; api: number; worker?: number };
  /** Awaited just before each scenario slice starts (the POST phase stages its hot reload here). */
  beforeScenarioSlice?: (round: number) => Promise<void>;
}

export interface Interleaved {
  ceiling: Slice[];
  scenario: Slice[];
  ceilingCpu: SliceCpu;
  scenarioCpu: SliceCpu;
  /** Service (API + worker) CPU seconds spent during the ceiling slices after the first: work the scenario deferred, competing with the ceiling. */
  serviceCpuInCeilingSlices: number | undefined;
}

/** `rounds` times: a ceiling slice, then a scenario slice, same length and connections. */
export async function interleave(options: InterleaveOptions): Promise<Interleaved> {
  const { rounds, sliceSec, pids } = options;
  const ceiling: Slice[] = [];
  const scenario: Slice[] = [];
  let ceilingServer: number | undefined = 0;
  let serviceInCeiling: number | undefined = 0;
  let first: { api: number | undefined; worker: number | undefined } | undefined;
  for (let round = 0; round < rounds; round += 1) {
    const c0 = { server: cpuSeconds(pids.ceiling), service: serviceCpu(pids) };
    ceiling.push(await options.ceiling({ duration: sliceSec }));
    ceilingServer = add(ceilingServer, cpuBetween(c0.server, cpuSeconds(pids.ceiling)));
    if (round > 0) serviceInCeiling = add(serviceInCeiling, cpuBetween(c0.service, serviceCpu(pids)));

    await options.beforeScenarioSlice?.(round);
    first ??= { api: cpuSeconds(pids.api), worker: pids.worker === undefined ? undefined : cpuSeconds(pids.worker) };
    scenario.push(await options.scenario({ duration: sliceSec }));
  }
  // The service's CPU counts from the start of the first scenario slice to the end of the last, ceiling
  // slices included: the in-process worker finishes a slice's events during the next ceiling slice, and
  // that work is part of what a request costs. Only the last slice's leftover goes uncounted.
  const scenarioCpu: SliceCpu = {
    server: cpuBetween(first?.api, cpuSeconds(pids.api)),
    ...(pids.worker === undefined ? {} : { worker: cpuBetween(first?.worker, cpuSeconds(pids.worker)) }),
    loadGenerator: loadGenSeconds(scenario),
  };
  return { ceiling, scenario, ceilingCpu: { server: ceilingServer, loadGenerator: loadGenSeconds(ceiling) }, scenarioCpu, serviceCpuInCeilingSlices: serviceInCeiling };
}

/** The scenario's row: its slices merged, its req/s over the ceiling's and the ceiling's p99, both in the same rounds. */
export function interleavedRow(name: string, run: Interleaved): ScenarioResult {
  const service = add(run.scenarioCpu.server, run.scenarioCpu.worker ?? 0);
  const share = service === undefined || run.serviceCpuInCeilingSlices === undefined || service === 0 ? null : run.serviceCpuInCeilingSlices / service;
  return summarize(name, run.scenario, run.scenarioCpu, { ...ratios(run), cpuShareInCeilingSlices: share, ceilingP99: latencyMs(run.ceiling)(0.99) });
}

function ratios(run: Interleaved): { ratioToCeiling: number; rounds: { ratios: number[]; medianRatio: number } } {
  const perRound = run.scenario.map((slice, i) => rate([slice]) / rate([run.ceiling[i] as Slice]));
  // Rates, not raw request counts: a slice can overrun its nominal length by up to a sample tick.
  return { ratioToCeiling: rate(run.scenario) / rate(run.ceiling), rounds: { ratios: perRound, medianRatio: median(perRound) } };
}

function serviceCpu(pids: InterleaveOptions['pids']): number | undefined {
  return add(cpuSeconds(pids.api), pids.worker === undefined ? 0 : cpuSeconds(pids.worker));
}

function loadGenSeconds(slices: readonly Slice[]): number {
  return slices.reduce((total, slice) => total + slice.loadGenCpuSeconds, 0);
}

function add(total: number | undefined, more: number | undefined): number | undefined {
  return total === undefined || more === undefined ? undefined : total + more;
}
