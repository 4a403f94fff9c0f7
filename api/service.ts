import { EventEmitter } from 'node:events';
import { createTokenVerifier } from '../core/auth/verify-token.js';
import type { Config } from '../core/config.js';
import type { HealthCheck } from '../core/health.js';
import { listen } from '../core/http/server.js';
import type { Logger } from '../core/logger.js';
import { createMetrics, setActiveRuleset } from '../core/metrics.js';
import { createOutboxRelay } from '../core/outbox-relay.js';
import { createRulesetRegistry, createRulesRecommender } from '../core/rules/ruleset-registry.js';
import { openAdapters } from '../core/runtime.js';
import type { RecommendationStore } from '../core/store/store.js';
import { startWorker } from '../worker/worker.js';
import { workerChannels } from '../worker/service.js';
import { createApp } from './app.js';

export interface ApiService {
  port: number;
  /** Emits `processed` (recommendation id) when the in-process worker finishes an event. */
  events: EventEmitter;
  /** The store this API writes to (tests and tools read worker effects through it). */
  store: RecommendationStore;
  /** Drains: stop accepting, finish in-flight requests and active jobs, close everything. */
  stop(): Promise<void>;
}

const PURGE_INTERVAL_MS = 60 * 60 * 1000;

/**
 * Starts the API (and, when asked or when events cannot leave the process,
 * the worker beside it). Throws when no ruleset is valid.
 */
export async function startApiService(config: Config, logger: Logger, options: { withWorker: boolean }): Promise<ApiService> {
  const adapters = await openAdapters(config, logger, 'api');
  const metrics = createMetrics('api', {
    countPendingEvents: () => adapters.store.countPendingEvents(),
    queueDepth: () => adapters.publisher.queueDepth(),
  });
  const rules = createRulesetRegistry({
    dir: config.rulesDir,
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
  const relay = createOutboxRelay({
    store: adapters.store,
    publisher: adapters.publisher,
    logger,
    confirmedBy: adapters.inProcessQueue ? 'consumer' : 'broker',
  });
  const health: HealthCheck[] = [
    { name: 'store', critical: true, check: () => adapters.store.ping() },
    { name: 'rules', critical: true, check: async () => void (rules.current() ?? Promise.reject(new Error('no valid ruleset'))) },
    { name: 'queue', critical: false, check: () => adapters.publisher.ping() },
  ];
  const app = createApp({
    verifyToken: createTokenVerifier(config.jwt),
    store: adapters.store,
    cache: adapters.cache,
    recommender: createRulesRecommender(rules),
    rulesStatus: () => rules.status(),
    onRecommendationCreated: (event) => void relay.publishNew(event),
    health,
    metrics,
    logger,
  });

  const events = new EventEmitter();
  const runWorker = options.withWorker || adapters.inProcessQueue;
  if (runWorker) {
    startWorker({
      consumer: adapters.consumer(),
      store: adapters.store,
      cache: adapters.cache,
      channels: workerChannels(config, logger),
      metrics,
      logger,
      onProcessed: (id) => events.emit('processed', id),
    });
  }
  relay.start();
  const purge = setInterval(() => {
    adapters.store.purgeExpiredIdempotencyKeys(new Date()).catch((err: unknown) => logger.warn({ err }, 'idempotency key purge failed'));
  }, PURGE_INTERVAL_MS);
  purge.unref();

  const server = await listen(app, config.port);
  logger.info({ port: server.port, worker: runWorker, store: config.mongodbUri ? 'mongodb' : 'sqlite', queue: config.redisUrl ? 'bullmq' : 'in-process' }, 'api listening');

  return {
    port: server.port,
    events,
    store: adapters.store,
    async stop() {
      clearInterval(purge);
      await server.close();
      await relay.stop();
      await rules.close();
      await adapters.close();
      logger.info({}, 'api stopped');
    },
  };
}
