import { expect } from 'chai';
import { cdsHooksBudget } from '../bench/cds-hooks-budget.js';
import type { ScenarioResult } from '../bench/slices.js';

function scenario(name: string, cpuUsPerRequest: number | null): ScenarioResult {
  return { name, requests: 1000, seconds: 2, reqPerSec: 500, p50: 10, p97_5: 30, p99: 42, errors: 0, non2xx: 0, samples: [], cpuUsPerRequest, loadGenCpuUsPerRequest: 50, ratioToCeiling: 0.5 };
}

describe('bench: the cds-hooks budget line', () => {
  it('passes a hook call that costs at most twice a POST /evaluate, and reports its p99', () => {
    const line = cdsHooksBudget([scenario('POST /evaluate', 200), scenario('POST /cds-services (patient-view)', 400)]);
    expect(line.status).to.equal('PASS');
    expect(line.detail).to.equal("400 µs = 2.00x POST /evaluate's 200 µs; hook p99 42 ms at 500 req/s");
  });

  it('fails one that costs more, and skips when either scenario did not run', () => {
    expect(cdsHooksBudget([scenario('POST /evaluate', 200), scenario('POST /cds-services (patient-view)', 401)]).status).to.equal('FAIL');
    expect(cdsHooksBudget([scenario('POST /evaluate', 200)]).status).to.equal('SKIP');
    expect(cdsHooksBudget([scenario('POST /evaluate', null), scenario('POST /cds-services (patient-view)', 300)]).status).to.equal('SKIP');
  });
});
