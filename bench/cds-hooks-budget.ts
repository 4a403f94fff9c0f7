import type { Budget } from './report.js';
import type { ScenarioResult } from './slices.js';

/** Issue 18: a hook call with full prefetch costs the API at most twice a POST /evaluate. */
const MAX_COST_FACTOR = 2;

/**
 * Cost is the API process's CPU time per request, each measured in its own
 * rounds. The detail also gives the hook's p99 under load: CDS Hooks asks a
 * service to answer in about 500 ms.
 */
export function cdsHooksBudget(scenarios: readonly ScenarioResult[]): Budget {
  const name = `POST /cds-services (patient-view) CPU per request <= ${MAX_COST_FACTOR}x POST /evaluate's`;
  const hook = scenarios.find((s) => s.name.startsWith('POST /cds-services'));
  const evaluate = scenarios.find((s) => s.name.startsWith('POST /evaluate'));
  if (hook === undefined || evaluate === undefined) return { name, status: 'SKIP', detail: 'needs both the cds-hooks and evaluate scenarios' };
  if (hook.cpuUsPerRequest === null || evaluate.cpuUsPerRequest === null) return { name, status: 'SKIP', detail: 'process CPU time not available (/proc)' };
  const factor = hook.cpuUsPerRequest / evaluate.cpuUsPerRequest;
  return {
    name,
    status: factor <= MAX_COST_FACTOR ? 'PASS' : 'FAIL',
    detail: `${Math.round(hook.cpuUsPerRequest)} µs = ${factor.toFixed(2)}x POST /evaluate's ${Math.round(evaluate.cpuUsPerRequest)} µs; hook p99 ${hook.p99} ms at ${Math.round(hook.reqPerSec)} req/s`,
  };
}
