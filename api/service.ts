import { EventEmitter } from 'node:events';
import { createTokenVerifier } from '../core/auth/verify-token.js';
import type { Config } from '../core/platform/config.js';
import type { HealthCheck } from '../core/platform/health.js';
import { listen } from '../core/platform/http-server.js';
import type { Logger } from '../core/platform/logger.js';
import { createMetrics, recordJob, setActiveRuleset, type MetricSources } from '../core/platform/metrics.js';
import { openReadAdapters } from '../core/adapters.js';
import type { RecommendationStore } from '../core/store/store.js';
import { createApp } from './app.js';
import { startCoreThread } from './core-client.js';
import type { CoreListener } from './service-core.js';

export interface ApiService {
  port: number;
  /** Emits `processed` (recommendation id) when the worker beside the API finishes an event. */
  events: EventEmitter;
  /** The store this API reads (tests and tools read worker effects through it). */
  store: RecommendationStore;
  /** Resolves if the service core stops without being asked (a crash): the process must go. */
  failed: Promise<Error>;
  /** Drains: stop accepting, finish in-flight requests and active jobs, close everything. */
  stop(): Promise<void>;
}

/**
 * Starts the API: HTTP on this thread, the service core (rules, writes,
 * publishing, and the worker when asked or when events cannot leave the
 * process) on its own thread. Throws when no ruleset is valid.
 */
export async function startApiService(config: Config, logger: Logger, options: { withWorker: boolean; service?: string }): Promise<ApiService> {
  const reads = await openReadAdapters(config, logger, 'api');
  const events = new EventEmitter();
  // Made before the core starts (its first reload is reported while it starts); the queue gauge is wired once it runs.
  const sources: MetricSources = { countPendingEvents: () => reads.store.countPendingEvents() };
  const metrics = createMetrics('api', sources);
  const listener: CoreListener = {
    invalidate: (id) => void reads.cache.invalidate(id),
    job: (report) => {
      recordJob(metrics, report);
      if (report.outcome === 'completed') events.emit('processed', report.recommendationId);
    },
    reload: ({ ok, activeVersion }) => {
      metrics.ruleReloads.inc({ outcome: ok ? 'success' : 'rejected' });
      if (activeVersion) setActiveRuleset(metrics, activeVersion);
    },
  };
  let fail!: (error: Error) => void;
  const failed = new Promise<Error>((resolve) => (fail = resolve));
  const coreOptions = { withWorker: options.withWorker, service: options.service ?? 'api' };
  const core = await startCoreThread(config, coreOptions, { logs: logger.destination, listener, onStopped: fail }).catch(async (err: unknown) => {
    await reads.close();
    throw err;
  });
  sources.queueDepth = () => core.queueDepth();

  const health: HealthCheck[] = [
    { name: 'store', critical: true, check: async () => void (await Promise.all([reads.store.ping(), core.checkStore()])) },
    { name: 'rules', critical: true, check: () => core.checkRules() },
    { name: 'queue', critical: false, check: () => core.checkQueue() },
  ];
  const app = createApp({
    verifyToken: createTokenVerifier(config.jwt),
    store: reads.store,
    cache: reads.cache,
    evaluate: (input, idempotency) => core.evaluate(input, idempotency),
    rulesStatus: () => core.rulesStatus(),
    health,
    metrics,
    logger,
  });
  const server = await listen(app, config.port);
  logger.info({ port: server.port, store: config.mongodbUri ? 'mongodb' : 'sqlite', queue: config.redisUrl ? 'bullmq' : 'in-process' }, 'api listening');

  return {
    port: server.port,
    events,
    store: reads.store,
    failed,
    async stop() {
      await server.close();
      await core.close();
      await reads.close();
      logger.info({}, 'api stopped');
    },
  };
}
