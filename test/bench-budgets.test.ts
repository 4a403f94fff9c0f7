import { expect } from 'chai';
import { checkBudgets, type BenchReport, type Budget } from '../bench/report.js';
import type { ScenarioResult } from '../bench/slices.js';
import type { RulesetSizeResult } from '../bench/rules-bench.js';

function scenario(name: string, fields: Partial<ScenarioResult> = {}): ScenarioResult {
  return {
    name,
    requests: 10_000,
    seconds: 2,
    reqPerSec: 5000,
    p50: 8,
    p97_5: 16,
    p99: 20,
    errors: 0,
    non2xx: 0,
    samples: [],
    cpuUsPerRequest: 200,
    loadGenCpuUsPerRequest: 50,
    ratioToCeiling: 0.7,
    ...fields,
  };
}

type Run = Omit<BenchReport, 'budgets'> & Required<Pick<BenchReport, 'memory' | 'hotReload' | 'rules'>>;

/** A run that meets every budget; each test spoils one figure. */
function passingRun(): Run {
  return {
    meta: { startedAt: '2026-12-01T10:00:00.000Z', mode: 'embedded', connections: 50, durationSec: 10, rounds: 5, nodeFlags: [], node: 'v20', cpus: 2, loadAvgAtStart: [0, 0, 0] },
    scenarios: [
      scenario('ceiling (bare express)', { p99: 19, ratioToCeiling: 1 }),
      scenario('POST /evaluate', { p99: 22, ceilingP99: 18, ratioToCeiling: 0.68 }),
      scenario('GET /recommendation/{id}', { ratioToCeiling: 1.2, ceilingP99: 17 }),
      scenario('GET /patients/{id}/recommendations', { ratioToCeiling: 0.55 }),
      scenario('POST /cds-services (patient-view)', { cpuUsPerRequest: 300, ratioToCeiling: 0.4 }),
    ],
    memory: { requests: 100_000, windowSec: 3, rssBeforeMb: 330, rssAfterMb: 320, rssPeakMb: 350, growthPct: -3 },
    hotReload: { newVersion: '1.0.1', failedRequests: 0, responsesWithNewVersion: 30_000, firstStampedAfterMs: 270, ceilingSliceInBetween: false, lastVersion: '1.0.1' },
    rules: {
      shipped: { evaluationsPerSec: 70_000 },
      generated: { rules: 200, evaluationsPerSec: 800 },
      validateCompileMs: { shipped: 1.3, generated: 10 },
      hotReloadMs: 260,
      sizes: [
        { rules: 1000, shape: 'banded', evaluationsPerSec: 30_000, evaluationsPerCpuSec: 31_000, firedPerPatient: 8, validateCompileMs: 50, longestBlockMs: 40 },
        { rules: 1000, shape: 'dense', evaluationsPerSec: 25_000, evaluationsPerCpuSec: 26_000, firedPerPatient: 122, validateCompileMs: 20, longestBlockMs: 5 },
      ],
      impact: { decisions: 50_000, replayedPerSec: 150_000 },
    },
  };
}

function budget(budgets: Budget[], prefix: string): Budget {
  const found = budgets.find((b) => b.name.startsWith(prefix));
  if (found === undefined) throw new Error(`no budget line starting "${prefix}"`);
  return found;
}

function withScenario(run: Run, prefix: string, fields: Partial<ScenarioResult>): Run {
  return { ...run, scenarios: run.scenarios.map((s) => (s.name.startsWith(prefix) ? { ...s, ...fields } : s)) };
}

describe('bench: budget lines', () => {
  it('passes every line of a run that meets the budget', () => {
    const budgets = checkBudgets(passingRun());
    expect(budgets).to.have.length(10);
    expect(budgets.filter((b) => b.status !== 'PASS')).to.deep.equal([]);
  });

  it('holds POST /evaluate to half the ceiling in embedded mode, and to 40% with --redis', () => {
    const slow = withScenario(passingRun(), 'POST', { ratioToCeiling: 0.45 });
    expect(budget(checkBudgets(slow), 'POST /evaluate >=')).to.include({ status: 'FAIL', detail: '45% of ceiling' });
    const redis = { ...slow, meta: { ...slow.meta, mode: 'redis' as const } };
    expect(budget(checkBudgets(redis), 'POST /evaluate >=')).to.include({ name: 'POST /evaluate >= 40% of ceiling req/s', status: 'PASS' });
  });

  it('fails POST p99 above 1.5 times the bare route\'s p99 in the same rounds, whatever the absolute figure', () => {
    const slow = withScenario(passingRun(), 'POST', { p99: 27.1, ceilingP99: 18 });
    expect(budget(checkBudgets(slow), 'POST /evaluate p99')).to.deep.equal({
      name: 'POST /evaluate p99 <= 1.5x the bare route\'s p99 in the same rounds',
      status: 'FAIL',
      detail: '27.1 ms = 1.51x bare express\'s 18 ms',
    });
    // A busy machine: the bare route itself is slow, so 40 ms is within budget; and exactly 1.5x passes.
    const busy = withScenario(passingRun(), 'POST', { p99: 40, ceilingP99: 30 });
    expect(budget(checkBudgets(busy), 'POST /evaluate p99')).to.include({ status: 'PASS', detail: '40 ms = 1.33x bare express\'s 30 ms' });
    const edge = withScenario(passingRun(), 'POST', { p99: 27, ceilingP99: 18 });
    expect(budget(checkBudgets(edge), 'POST /evaluate p99')).to.include({ status: 'PASS' });
  });

  it('reads the bare p99 of the POST rounds, not the ceiling row of the whole run', () => {
    const run = withScenario(withScenario(passingRun(), 'POST', { p99: 22, ceilingP99: 12 }), 'ceiling', { p99: 40 });
    expect(budget(checkBudgets(run), 'POST /evaluate p99')).to.include({ status: 'FAIL', detail: '22 ms = 1.83x bare express\'s 12 ms' });
    const { ceilingP99: _, ...unpaired } = run.scenarios[1] as ScenarioResult;
    const none = { ...run, scenarios: [run.scenarios[0] as ScenarioResult, unpaired] };
    expect(budget(checkBudgets(none), 'POST /evaluate p99')).to.include({ status: 'SKIP', detail: 'not measured in this run' });
  });

  it('holds GET /recommendation/{id} to the bare route\'s throughput', () => {
    const run = withScenario(passingRun(), 'GET /recommendation', { ratioToCeiling: 0.99 });
    expect(budget(checkBudgets(run), 'GET /recommendation')).to.deep.equal({
      name: 'GET /recommendation/{id} >= 100% of ceiling req/s',
      status: 'FAIL',
      detail: '99% of ceiling',
    });
    const even = withScenario(passingRun(), 'GET /recommendation', { ratioToCeiling: 1 });
    expect(budget(checkBudgets(even), 'GET /recommendation')).to.include({ status: 'PASS' });
  });

  it('skips the load lines at another connection count, and the embedded-only lines with --redis', () => {
    const other = { ...passingRun(), meta: { ...passingRun().meta, connections: 100 } };
    expect(budget(checkBudgets(other), 'POST /evaluate p99')).to.include({ status: 'SKIP', detail: 'budget is defined at 50 connections, ran 100' });
    const redis = { ...passingRun(), meta: { ...passingRun().meta, mode: 'redis' as const } };
    expect(budget(checkBudgets(redis), 'GET /recommendation')).to.include({ status: 'SKIP', detail: 'embedded-mode budget' });
  });

  it('fails on a single error or non-2xx in any scenario', () => {
    const run = withScenario(passingRun(), 'GET /patients', { non2xx: 1 });
    expect(budget(checkBudgets(run), 'zero errors')).to.include({ status: 'FAIL', detail: '1 failed' });
  });

  it('fails memory growth of 10% or more, and a hot reload whose last response is not the new version', () => {
    const run = passingRun();
    const grown = { ...run, memory: { ...run.memory, growthPct: 10 } };
    expect(budget(checkBudgets(grown), 'API RSS')).to.include({ status: 'FAIL' });
    const stale = { ...run, hotReload: { ...run.hotReload, lastVersion: '1.0.0' } };
    expect(budget(checkBudgets(stale), 'hot reload')).to.include({ status: 'FAIL' });
  });

  it('fails 1,000 generated rules under 20000 evaluations per CPU-second, and an impact replay under 20000 decisions/s', () => {
    const run = passingRun();
    const size = { ...run.rules.sizes![0]!, evaluationsPerCpuSec: 19_999 };
    const slow = { ...run, rules: { ...run.rules, sizes: [size], impact: { decisions: 50_000, replayedPerSec: 19_999 } } };
    expect(budget(checkBudgets(slow), '1,000 generated')).to.include({ status: 'FAIL', detail: '19999/s' });
    expect(budget(checkBudgets(slow), 'impact replay')).to.include({ status: 'FAIL', detail: '19999/s' });
  });

  it('fails 1,000 generated rules when only the dense shape is under 20000 per CPU-second', () => {
    const run = passingRun();
    const [banded, dense] = run.rules.sizes as [RulesetSizeResult, RulesetSizeResult];
    const slowDense = { ...run, rules: { ...run.rules, sizes: [banded, { ...dense, evaluationsPerCpuSec: 19_500 }] } };
    expect(budget(checkBudgets(run), '1,000 generated')).to.include({ status: 'PASS', detail: '26000/s' });
    expect(budget(checkBudgets(slowDense), '1,000 generated')).to.include({ status: 'FAIL', detail: '19500/s' });
  });

  it('fails a shipped ruleset under 40000 evaluations/s', () => {
    const run = passingRun();
    const slow = { ...run, rules: { ...run.rules, shipped: { evaluationsPerSec: 39_999 } } };
    expect(budget(checkBudgets(slow), 'shipped ruleset')).to.include({ status: 'FAIL', detail: '39999/s' });
  });
});
