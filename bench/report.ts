import { writeFileSync } from 'node:fs';
import type { RulesBenchResult } from './rules-bench.js';
import type { ScenarioResult } from './slices.js';
import { cdsHooksBudget } from './cds-hooks-budget.js';

export interface MemoryResult {
  requests: number;
  /** Before and after are the median RSS (sampled every 250 ms) over this many seconds at the start and at the end of the phase. */
  windowSec: number;
  rssBeforeMb: number;
  rssAfterMb: number;
  /** Highest RSS sampled during the measured requests. */
  rssPeakMb: number;
  growthPct: number;
}

export interface HotReloadResult {
  newVersion: string;
  /** Failed requests (errors + non-2xx) of the POST phase the reload happened in. */
  failedRequests: number;
  responsesWithNewVersion: number;
  /** From copying the file into RULES_DIR to the first response stamped with it. */
  firstStampedAfterMs: number | null;
  /** A ceiling slice (no POST load on the API) ran between the copy and the first stamped response, so firstStampedAfterMs overstates the reload. */
  ceilingSliceInBetween: boolean;
  lastVersion: string | null;
}

export interface Budget {
  name: string;
  status: 'PASS' | 'FAIL' | 'SKIP';
  detail: string;
}

export interface BenchReport {
  meta: {
    startedAt: string;
    mode: 'embedded' | 'redis';
    connections: number;
    /** Seconds of load per scenario, in `rounds` slices, each after a ceiling slice as long. */
    durationSec: number;
    rounds: number;
    /** Node flags the API and worker ran with (`--node-flag`); empty for the default launch. */
    nodeFlags: string[];
    node: string;
    cpus: number;
    loadAvgAtStart: number[];
  };
  /** The ceiling (all its slices) first, then each scenario. */
  scenarios: ScenarioResult[];
  memory?: MemoryResult;
  hotReload?: HotReloadResult;
  rules?: RulesBenchResult;
  budgets: Budget[];
}

const BUDGET_CONNECTIONS = 50;
const MEMORY_REQUESTS = 100_000;
const P99_FACTOR = 1.5;

export function checkBudgets(report: Omit<BenchReport, 'budgets'>): Budget[] {
  const { mode, connections } = report.meta;
  const find = (prefix: string) => report.scenarios.find((s) => s.name.startsWith(prefix));
  const atBudgetLoad = connections === BUDGET_CONNECTIONS ? undefined : `budget is defined at ${BUDGET_CONNECTIONS} connections, ran ${connections}`;
  const check = (name: string, measured: number | undefined, pass: (v: number) => boolean, show: (v: number) => string, skip?: string): Budget =>
    skip !== undefined || measured === undefined
      ? { name, status: 'SKIP', detail: skip ?? 'not measured in this run' }
      : { name, status: pass(measured) ? 'PASS' : 'FAIL', detail: show(measured) };

  const evaluate = find('POST /evaluate');
  const read = find('GET /recommendation');
  const minEvaluate = mode === 'embedded' ? 0.5 : 0.4;
  const failed = report.scenarios.length === 0 ? undefined : report.scenarios.reduce((n, s) => n + s.errors + s.non2xx, 0);
  const embeddedOnly = mode === 'embedded' ? undefined : 'embedded-mode budget';
  return [
    check(`POST /evaluate >= ${minEvaluate * 100}% of ceiling req/s`, evaluate?.ratioToCeiling ?? undefined, (r) => r >= minEvaluate, pct, atBudgetLoad),
    p99Budget(evaluate, embeddedOnly ?? atBudgetLoad),
    check('GET /recommendation/{id} >= 100% of ceiling req/s', read?.ratioToCeiling ?? undefined, (r) => r >= 1, pct, embeddedOnly ?? atBudgetLoad),
    cdsHooksBudget(report.scenarios),
    check('zero errors and non-2xx in every scenario', failed, (n) => n === 0, (n) => `${n} failed`),
    check(
      `API RSS grows < 10% over ${MEMORY_REQUESTS} requests after warm-up`,
      report.memory?.growthPct,
      (g) => g < 10,
      (g) => `${g.toFixed(1)}% (${report.memory?.rssBeforeMb} -> ${report.memory?.rssAfterMb} MB over ${report.memory?.requests} requests)`,
      embeddedOnly ?? (report.memory && report.memory.requests < MEMORY_REQUESTS ? `only ${report.memory.requests} requests (--memory-requests)` : undefined),
    ),
    check('shipped ruleset >= 40000 evaluations/s', report.rules?.shipped.evaluationsPerSec, (v) => v >= 40_000, (v) => `${Math.round(v)}/s`),
    check(
      '1,000 generated rules (the slower of banded and dense) >= 20000 evaluations per CPU-second',
      slowestOf(report.rules?.sizes?.filter((size) => size.rules === 1000).map((size) => size.evaluationsPerCpuSec)),
      (v) => v >= 20_000,
      (v) => `${Math.round(v)}/s`,
    ),
    check('impact replay >= 20000 decisions/s', report.rules?.impact?.replayedPerSec, (v) => v >= 20_000, (v) => `${Math.round(v)}/s`),
    check(
      'hot reload during POST /evaluate: zero failed requests, new version stamped',
      report.hotReload ? report.hotReload.failedRequests : undefined,
      (n) => n === 0 && report.hotReload?.lastVersion === report.hotReload?.newVersion,
      (n) => `${n} failed; ${report.hotReload?.responsesWithNewVersion} responses stamped ${report.hotReload?.newVersion}, last response ${report.hotReload?.lastVersion}`,
    ),
  ];
}

/**
 * POST p99 against the bare route's own p99 in the same rounds, not a fixed
 * line: a busy machine raises both, a slow service only its own.
 */
function p99Budget(evaluate: ScenarioResult | undefined, skip: string | undefined): Budget {
  const name = `POST /evaluate p99 <= ${P99_FACTOR}x the bare route's p99 in the same rounds`;
  const bare = evaluate?.ceilingP99;
  if (skip !== undefined) return { name, status: 'SKIP', detail: skip };
  if (evaluate === undefined || bare === undefined) return { name, status: 'SKIP', detail: 'not measured in this run' };
  const factor = evaluate.p99 / bare;
  return { name, status: evaluate.p99 <= P99_FACTOR * bare ? 'PASS' : 'FAIL', detail: `${evaluate.p99} ms = ${factor.toFixed(2)}x bare express's ${bare} ms` };
}

/** The smallest figure, or undefined when none was measured. */
function slowestOf(figures: number[] | undefined): number | undefined {
  return figures === undefined || figures.length === 0 ? undefined : Math.min(...figures);
}

function pct(ratio: number): string {
  return `${(ratio * 100).toFixed(0)}% of ceiling`;
}

export function writeReport(report: BenchReport, file: string): void {
  writeFileSync(file, JSON.stringify(report, null, 2) + '\n');
}
