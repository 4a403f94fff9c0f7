import type { RecommendationCache } from '../core/cache/cache.js';
import type { Config } from '../core/platform/config.js';
import { evaluatePatient, type IdempotencyRequest } from '../core/domain/evaluate.js';
import type { Logger } from '../core/platform/logger.js';
import { createOutboxRelay } from '../core/queue/outbox-relay.js';
import type { PatientInput, Recommendation } from '../core/domain/recommendation.js';
import type { QueueDepth } from '../core/queue/queue.js';
import type { RulesStatus } from '../core/rules/registry-status.js';
import { createRulesetRegistry, createRulesRecommender, type ReloadOutcome } from '../core/rules/ruleset-registry.js';
import { openAdapters } from '../core/adapters.js';
import { workerChannels } from '../worker/service.js';
import { startWorker, type JobReport } from '../worker/worker.js';

/**
 * What the API process does besides HTTP: decide with the rules, store the
 * recommendation and its event, publish it, and (embedded, or with
 * --with-worker) run the worker. It runs on a thread of its own (see
 * core-thread.ts), so that this work uses the second core while the main
 * thread serves HTTP.
 */
export interface ServiceCore {
  evaluate(input: PatientInput, idempotency?: IdempotencyRequest): Promise<EvaluateResult>;
  rulesStatus(): Promise<RulesStatus>;
  /** Each rejects, saying why, when its part cannot serve. */
  checkStore(): Promise<void>;
  checkRules(): Promise<void>;
  checkQueue(): Promise<void>;
  queueDepth(): Promise<QueueDepth>;
  /** Stops publishing and the worker (its active jobs finish), then closes the adapters. */
  close(): Promise<void>;
}

export interface EvaluateResult {
  outcome: 'created' | 'replayed';
  recommendation: Recommendation;
}

/** What the core tells the thread that serves HTTP. */
export interface CoreListener {
  /** The worker changed what this recommendation shows: its cached view is stale. */
  invalidate(recommendationId: string): void;
  job(report: JobReport): void;
  reload(outcome: ReloadOutcome): void;
}

export interface CoreOptions {
  /** Run the worker here even when events could leave the process (REDIS_URL). */
  withWorker: boolean;
  /** The process's name in log lines (`api`, `all-in-one`). */
  service: string;
}

const PURGE_INTERVAL_MS = 60 * 60 * 1000;

/** Throws, naming every rejected file, when no ruleset is valid. */
export async function startServiceCore(config: Config, logger: Logger, options: CoreOptions, listener: CoreListener): Promise<ServiceCore> {
  const adapters = await openAdapters(config, logger, 'api', { localCache: viewsCachedByHost(listener) });
  const rules = createRulesetRegistry({ dir: config.rulesDir, logger, onReload: (outcome) => listener.reload(outcome) });
  try {
    await rules.start();
  } catch (err) {
    await adapters.close();
    throw err;
  }
  const recommender = createRulesRecommender(rules);
  const relay = createOutboxRelay({
    store: adapters.store,
    publisher: adapters.publisher,
    logger,
    confirmedBy: adapters.inProcessQueue ? 'consumer' : 'broker',
  });
  if (options.withWorker || adapters.inProcessQueue) {
    startWorker({
      consumer: adapters.consumer(),
      store: adapters.store,
      cache: adapters.cache,
      channels: workerChannels(config, logger),
      logger,
      onJob: (report) => listener.job(report),
    });
  }
  relay.start();
  const purge = setInterval(() => {
    adapters.store.purgeExpiredIdempotencyKeys(new Date()).catch((err: unknown) => logger.warn({ err }, 'idempotency key purge failed'));
  }, PURGE_INTERVAL_MS);
  purge.unref();

  return {
    async evaluate(input, idempotency) {
      const result = await evaluatePatient({ recommender, store: adapters.store }, input, idempotency);
      if (result.outcome === 'created') void relay.publishNew(result.event);
      return { outcome: result.outcome, recommendation: result.recommendation };
    },
    rulesStatus: async () => rules.status(),
    checkStore: () => adapters.store.ping(),
    // current() throws while no ruleset is valid.
    checkRules: async () => void rules.current(),
    checkQueue: () => adapters.publisher.ping(),
    queueDepth: () => adapters.publisher.queueDepth(),
    async close() {
      clearInterval(purge);
      await relay.stop();
      await rules.close();
      await adapters.close();
    },
  };
}

/**
 * In embedded mode the views are cached by the thread that serves HTTP: this
 * side never reads them, it only tells that thread which ones went stale.
 */
function viewsCachedByHost(listener: CoreListener): RecommendationCache {
  return {
    get: async () => undefined,
    set: async () => {},
    invalidate: async (id) => listener.invalidate(id),
    close: async () => {},
  };
}
