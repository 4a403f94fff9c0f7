// Composition root of the API process: `npm run start:api`, or `npm start`
// (with --with-worker, which composes the worker into this process too).
import { EventEmitter } from 'node:events';
import { openAdapters } from '../core/adapters.js';
import { createTokenVerifier } from '../core/auth/verify-token.js';
import type { Config } from '../core/platform/config.js';
import type { HealthCheck } from '../core/platform/health.js';
import { listen } from '../core/platform/http-server.js';
import type { Logger } from '../core/platform/logger.js';
import { createMetrics, recordJob, setActiveRuleset } from '../core/platform/metrics.js';
import { isEntryPoint, runProcess } from '../core/platform/process-lifecycle.js';
import { createOutboxRelay } from '../core/queue/outbox-relay.js';
import { createRulesetRegistry, createRulesRecommender } from '../core/rules/ruleset-registry.js';
import type { RecommendationStore } from '../core/store/store.js';
import { composeWorker } from '../worker/main.js';
import { createApp } from './app.js';
import { fhirFactsFile, loadFhirFactsConfig } from '../core/fhir/facts-config.js';
import { createRateLimiter } from './rate-limit.js';

export interface ApiService {
  port: number;
  /** Emits `processed` (recommendation id) when the worker in this process finishes an event. */
  events: EventEmitter;
  /** The store this process uses (tests read the worker's effects through it). */
  store: RecommendationStore;
  /** Drains: stop accepting, finish in-flight requests and active jobs, close everything. */
  stop(): Promise<void>;
}

const PURGE_INTERVAL_MS = 60 * 60 * 1000;
/** Twice the in-process queue's bound (queue-memory.ts maxWaiting), so a pass reaches past what the queue holds. */
const IN_PROCESS_RELAY_BATCH = 2000;

/**
 * Starts the API on this event loop: HTTP, rules, store writes and the outbox
 * relay, plus the worker when asked or when events cannot leave the process
 * (no REDIS_URL). Throws, naming every rejected file, when no ruleset is valid.
 */
export async function startApiService(config: Config, logger: Logger, options: { withWorker: boolean }): Promise<ApiService> {
  // Read and checked before anything opens: a bad file stops the start with one line naming it.
  const fhirFacts = await loadFhirFactsConfig(fhirFactsFile(config.rulesDir));
  const adapters = await openAdapters(config, logger, 'api');
  const { store, publisher } = adapters;
  const metrics = createMetrics('api', { countPendingEvents: () => store.countPendingEvents(), queueDepth: () => publisher.queueDepth() });
  const rules = createRulesetRegistry({
    dir: config.rulesDir,
    maxFileBytes: config.rulesMaxFileBytes,
    logger,
    onReload: ({ ok, activeVersion }) => {
      metrics.ruleReloads.inc({ outcome: ok ? 'success' : 'rejected' });
      if (activeVersion) setActiveRuleset(metrics, activeVersion);
    },
  });
  try {
    await rules.start();
  } catch (err) {
    await adapters.close();
    throw err;
  }

  const events = new EventEmitter();
  const worker =
    options.withWorker || adapters.inProcessQueue
      ? await composeWorker(config, logger, adapters, (report) => {
          recordJob(metrics, report);
          if (report.outcome === 'completed') events.emit('processed', report.recommendationId);
        })
      : undefined;
  const relay = createOutboxRelay({
    store,
    publisher,
    logger,
    confirmedBy: adapters.inProcessQueue ? 'consumer' : 'broker',
    // In-process, the oldest pending events are the ones the queue holds; a batch reaches past them to those it turned away.
    batchSize: adapters.inProcessQueue ? IN_PROCESS_RELAY_BATCH : undefined,
  });
  adapters.onQueueRoom(() => void relay.kick());
  relay.start();
  const purge = setInterval(() => {
    store.purgeExpiredIdempotencyKeys(new Date()).catch((err: unknown) => logger.warn({ err }, 'idempotency key purge failed'));
  }, PURGE_INTERVAL_MS);
  purge.unref();

  const health: HealthCheck[] = [
    { name: 'store', critical: true, check: () => store.ping() },
    // current() throws while no ruleset is valid.
    { name: 'rules', critical: true, check: async () => void rules.current() },
    { name: 'queue', critical: false, check: () => publisher.ping() },
  ];
  const verifyToken = createTokenVerifier(config.jwt);
  const app = createApp({
    verifyToken,
    store,
    cache: adapters.cache,
    evaluation: { recommender: createRulesRecommender(rules), store, publishNew: (event) => relay.publishNew(event) },
    rulesStatus: () => rules.status(),
    cdsHooks: {
      fhirFacts,
      fhirClient: { timeoutMs: config.cdsFhirTimeoutMs, ...(config.cdsFhirServers ? { allowedOrigins: config.cdsFhirServers } : {}) },
    },
    health,
    metrics,
    logger,
    rulesMaxFileBytes: config.rulesMaxFileBytes,
    rateLimit: createRateLimiter({ perMinute: config.rateLimitPerMinute, verifyToken, logger, ...(adapters.redis ? { redis: adapters.redis } : {}) }),
  });
  const server = await listen(app, config.port);
  logger.info({ port: server.port, store: config.mongodbUri ? 'mongodb' : 'sqlite', queue: config.redisUrl ? 'bullmq' : 'in-process' }, 'api listening');

  return {
    port: server.port,
    events,
    store,
    async stop() {
      await server.close();
      clearInterval(purge);
      await relay.stop();
      await rules.close();
      await adapters.close();
      // After the consumer has drained: its channels were in use until then.
      await worker?.close();
      logger.info({}, 'api stopped');
    },
  };
}

if (isEntryPoint(import.meta.url)) {
  const withWorker = process.argv.includes('--with-worker');
  await runProcess(withWorker ? 'all-in-one' : 'api', (config, logger) => startApiService(config, logger, { withWorker }));
}
