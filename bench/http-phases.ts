import { signToken } from '../core/auth/sign-token.js';
import { cdsHooks } from './cds-hooks-load.js';
import { EvaluateLog } from './evaluate-log.js';
import { reloadOutcome, stageReload, type StagedReload } from './hot-reload.js';
import { interleave, interleavedRow, type Interleaved } from './interleave.js';
import { ceiling, evaluate, patientHistory, readRecommendation, type Length, type Target } from './load.js';
import { runMemoryPhase } from './memory-phase.js';
import { patientSource } from './patients.js';
import type { HotReloadResult, MemoryResult } from './report.js';
import { summarize, type ScenarioResult, type Slice } from './slices.js';
import type { Stack } from './stack.js';

export type HttpScenario = 'evaluate' | 'recommendation' | 'history' | 'cds-hooks' | 'memory';

export interface HttpOptions {
  connections: number;
  /** Seconds of load per scenario, split into `rounds` slices, each after a ceiling slice as long. */
  duration: number;
  rounds: number;
  memoryRequests: number;
  scenarios: ReadonlySet<HttpScenario>;
  progress: (line: string) => void;
}

export interface HttpResults {
  /** Every ceiling slice of the run together; undefined when no scenario was interleaved with it. */
  ceiling?: ScenarioResult;
  scenarios: ScenarioResult[];
  memory?: MemoryResult;
  hotReload?: HotReloadResult;
}

/** Recommendations the read phases use; the log keeps no more ids than this. */
const WARM_IDS = 1000;
/** The default invalidationWindowMs of both cache adapters. */
const INVALIDATION_WINDOW_MS = 5000;

/** The phases in order; each read phase uses what the earlier writes created. */
export async function runHttpPhases(stack: Stack, options: HttpOptions): Promise<HttpResults> {
  const { connections, duration, rounds, progress } = options;
  const token = signToken(
    { secret: stack.jwtSecret, algorithm: 'HS256', audience: 'clinical-recommendations' },
    { scopes: ['recommendations:write', 'recommendations:read'], subject: 'bench', expiresInSeconds: 3600 },
  );
  const target: Target = { url: stack.apiUrl, token, connections };
  const patients = patientSource();
  const log = new EvaluateLog(WARM_IDS);
  const scenarios: ScenarioResult[] = [];
  const runs: Interleaved[] = [];
  const sliceSec = duration / rounds;
  const pids = { ceiling: stack.ceiling.pid, api: stack.api.pid, ...(stack.worker ? { worker: stack.worker.pid } : {}) };
  const interleaved = async (name: string, scenario: (length: Length) => Promise<Slice>, beforeScenarioSlice?: (round: number) => Promise<void>) => {
    progress(`${name}: ${rounds} rounds of ${sliceSec} s ceiling, then ${sliceSec} s ${name}`);
    const run = await interleave({ rounds, sliceSec, pids, ceiling: (length) => ceiling(stack.ceilingUrl, connections, length), scenario, ...(beforeScenarioSlice ? { beforeScenarioSlice } : {}) });
    runs.push(run);
    const row = interleavedRow(name, run);
    scenarios.push(row);
    return { run, row };
  };

  progress('warm-up (JIT, and recommendations for the read phases)');
  const warmUp = await evaluate(target, patients, log, { duration: 2 }, 'warm-up');
  if (log.ids.length === 0) throw new Error(`POST /evaluate created nothing during warm-up: ${warmUp.samples.join(' | ')}`);
  await ceiling(stack.ceilingUrl, connections, { duration: 1 });

  let hotReload: HotReloadResult | undefined;
  if (options.scenarios.has('evaluate')) {
    progress('a new ruleset version is copied into RULES_DIR a third of the way into the POST /evaluate load');
    // A third of the way, rounded to the nearest POST slice start (plus a tenth of a slice, so POSTs are
    // flowing when the file lands): the reload gets a whole slice under load, not a ceiling slice, to show.
    const reloadRound = Math.round(rounds / 3);
    let staged: StagedReload | undefined;
    const { run, row } = await interleaved('POST /evaluate', (length) => evaluate(target, patients, log, length), async (round) => {
      if (round === reloadRound) staged = await stageReload(stack.rulesDir, (sliceSec * 1000) / 10);
    });
    if (staged === undefined) throw new Error('the hot reload was never staged');
    hotReload = await reloadOutcome(staged, row, log, run.ceiling);
  }

  // A copy: reads cycle over these, and the log still adds ids while it holds fewer than WARM_IDS.
  const ids = log.ids.slice();
  if (options.scenarios.has('recommendation')) {
    progress(`filling the cache with ${ids.length} recommendations the worker has settled`);
    await warmCache(target, ids);
    await interleaved('GET /recommendation/{id}', (length) => readRecommendation(target, ids, length));
  }
  if (options.scenarios.has('history')) {
    await interleaved('GET /patients/{id}/recommendations', (length) => patientHistory(target, patients.ids, length));
  }

  if (options.scenarios.has('cds-hooks')) {
    await interleaved('POST /cds-services (patient-view)', (length) => cdsHooks(target, length));
  }

  let memory: MemoryResult | undefined;
  if (options.scenarios.has('memory')) {
    const phase = await runMemoryPhase({ stack, target, patients, ids, log, requests: options.memoryRequests, progress });
    scenarios.push(phase.row);
    memory = phase.memory;
  }
  if (stack.api.exited()) throw new Error(`the API process died during the benchmark:\n${stack.api.output()}`);
  return { ...(runs.length > 0 ? { ceiling: ceilingRow(runs) } : {}), scenarios, memory, hotReload };
}

/** The ceiling row shows all its slices together, from every scenario's rounds. */
function ceilingRow(runs: readonly Interleaved[]): ScenarioResult {
  const server = runs.reduce<number | undefined>((total, run) => (total === undefined || run.ceilingCpu.server === undefined ? undefined : total + run.ceilingCpu.server), 0);
  const loadGenerator = runs.reduce((total, run) => total + run.ceilingCpu.loadGenerator, 0);
  return summarize('ceiling (bare express)', runs.flatMap((run) => run.ceiling), { server, loadGenerator }, { ratioToCeiling: 1 });
}

/**
 * The API caches a view only once the worker has notified, and the caches
 * refuse a view for INVALIDATION_WINDOW_MS after the worker's invalidation
 * (cache-lru.ts, cache-redis.ts): wait for both, then read each id once.
 */
async function warmCache(target: Target, ids: readonly string[]): Promise<void> {
  const lanes = (work: (id: string) => Promise<unknown>) =>
    Promise.all(Array.from({ length: 20 }, async (_, lane) => {
      for (let i = lane; i < ids.length; i += 20) await work(ids[i] as string);
    }));
  await lanes((id) => waitSettled(target, id));
  await new Promise((resolve) => setTimeout(resolve, INVALIDATION_WINDOW_MS + 1000));
  await lanes((id) => getRecommendation(target, id));
}

async function waitSettled(target: Target, id: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await getRecommendation(target, id)).notifications?.some((n) => n.channel === 'email')) {
    if (Date.now() > deadline) throw new Error(`the worker did not process ${id} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function getRecommendation(target: Target, id: string): Promise<{ notifications?: Array<{ channel: string }> }> {
  const res = await fetch(`${target.url}/recommendation/${id}`, { headers: { authorization: `Bearer ${target.token}` } });
  const body = (await res.json()) as { notifications?: Array<{ channel: string }> };
  if (!res.ok) throw new Error(`GET /recommendation/${id}: ${res.status} ${JSON.stringify(body)}`);
  return body;
}
