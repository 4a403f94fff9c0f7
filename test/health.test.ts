import { expect } from 'chai';
import { checkHealth } from '../core/platform/health.js';

const up = () => Promise.resolve();
const down = () => Promise.reject(new Error('connection refused'));

describe('readiness', () => {
  it('is ok when every check passes', async () => {
    const report = await checkHealth([{ name: 'store', critical: true, check: up }]);
    expect(report).to.deep.equal({ status: 'ok', checks: { store: { status: 'ok' } } });
  });

  it('is degraded, not unavailable, when only a non-critical check (the broker) is down', async () => {
    const report = await checkHealth([
      { name: 'store', critical: true, check: up },
      { name: 'queue', critical: false, check: down },
    ]);
    expect(report.status).to.equal('degraded');
    expect(report.checks.queue).to.deep.equal({ status: 'down', error: 'connection refused' });
  });

  it('is unavailable when a critical check (the store) is down, whatever else is up or down', async () => {
    const report = await checkHealth([
      { name: 'queue', critical: false, check: down },
      { name: 'store', critical: true, check: down },
    ]);
    expect(report.status).to.equal('unavailable');
  });

  it('counts a check that never answers as down instead of hanging', async () => {
    const report = await checkHealth([{ name: 'store', critical: true, check: () => new Promise<void>(() => {}) }]);
    expect(report.status).to.equal('unavailable');
    expect(report.checks.store?.error).to.match(/no answer within/);
  });
});
