import { signToken } from '../core/auth/sign-token.js';
import { EvaluateLog } from './evaluate-log.js';
import { reloadOutcome, stageReload } from './hot-reload.js';
import { ceiling, evaluate, mixed, patientHistory, readRecommendation, type ScenarioResult, type Target } from './load.js';
import { patientSource } from './patients.js';
import { sampleRss } from './processes.js';
import type { HotReloadResult, MemoryResult } from './report.js';
import type { Stack } from './stack.js';

export type HttpScenario = 'evaluate' | 'recommendation' | 'history' | 'memory';

export interface HttpOptions {
  connections: number;
  duration: number;
  memoryRequests: number;
  scenarios: ReadonlySet<HttpScenario>;
  progress: (line: string) => void;
}

export interface HttpResults {
  ceiling: ScenarioResult;
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
  const { connections, duration, progress } = options;
  const token = signToken(
    { secret: stack.jwtSecret, algorithm: 'HS256', audience: 'clinical-recommendations' },
    { scopes: ['recommendations:write', 'recommendations:read'], subject: 'bench', expiresInSeconds: 3600 },
  );
  const target: Target = { url: stack.apiUrl, token, connections };
  const patients = patientSource();
  const log = new EvaluateLog(WARM_IDS);
  const scenarios: ScenarioResult[] = [];

  progress('warm-up (JIT, and recommendations for the read phases)');
  const warmUp = await evaluate(target, patients, log, { duration: 2 }, 'warm-up');
  if (log.ids.length === 0) throw new Error(`POST /evaluate created nothing during warm-up: ${warmUp.samples.join(' | ')}`);
  await ceiling(stack.ceilingUrl, connections, { duration: 1 });
  progress('ceiling');
  const ceilingResult = await ceiling(stack.ceilingUrl, connections, { duration });

  let hotReload: HotReloadResult | undefined;
  if (options.scenarios.has('evaluate')) {
    progress('POST /evaluate (a new ruleset version is copied into RULES_DIR a third of the way in)');
    const staged = await stageReload(stack.rulesDir, (duration * 1000) / 3);
    const result = await evaluate(target, patients, log, { duration });
    scenarios.push(result);
    hotReload = await reloadOutcome(staged, result, log);
  }

  // A copy: reads cycle over these, and the log still adds ids while it holds fewer than WARM_IDS.
  const ids = log.ids.slice();
  if (options.scenarios.has('recommendation')) {
    progress(`filling the cache with ${ids.length} recommendations the worker has settled`);
    await warmCache(target, ids);
    progress('GET /recommendation/{id}');
    scenarios.push(await readRecommendation(target, ids, { duration }));
  }
  if (options.scenarios.has('history')) {
    progress('GET /patients/{id}/recommendations');
    scenarios.push(await patientHistory(target, patients.ids, { duration }));
  }

  let memory: MemoryResult | undefined;
  if (options.scenarios.has('memory')) {
    // Warm up on this very mix first: the earlier phases never shaped the heap for it.
    const warmUpRequests = Math.min(10_000, Math.ceil(options.memoryRequests / 10));
    progress(`memory phase: ${warmUpRequests} mixed requests to warm up, then ${options.memoryRequests} measured`);
    await mixed(target, patients, ids, log, { amount: warmUpRequests });
    const rss = sampleRss(stack.api.pid);
    const warm = Date.now();
    scenarios.push(await mixed(target, patients, ids, log, { amount: options.memoryRequests }).finally(() => rss.stop()));
    const end = Date.now();
    // GC timing makes RSS spike by up to a third for seconds at a time, so a single reading
    // decides nothing: compare the medians of the first and the last 15% of the measured requests.
    const window = (end - warm) * 0.15;
    const before = rss.medianBetween(warm, warm + window);
    const after = rss.medianBetween(end - window, end);
    memory = {
      requests: options.memoryRequests,
      windowSec: Math.round(window / 100) / 10,
      rssBeforeMb: mb(before),
      rssAfterMb: mb(after),
      rssPeakMb: mb(rss.maxBetween(warm, end)),
      growthPct: ((after - before) / before) * 100,
    };
  }
  if (stack.api.exited()) throw new Error(`the API process died during the benchmark:\n${stack.api.output()}`);
  return { ceiling: ceilingResult, scenarios, memory, hotReload };
}

function mb(bytes: number): number {
  return Math.round(bytes / 104_857.6) / 10;
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
