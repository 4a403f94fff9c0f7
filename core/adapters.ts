import type { RecommendationCache } from './cache/cache.js';
import { createLruCache } from './cache/cache-lru.js';
import { createRedisCache } from './cache/cache-redis.js';
import type { Config } from './platform/config.js';
import type { Logger } from './platform/logger.js';
import { closeRedisClient, createRedisClient, type RedisClient } from './platform/redis-client.js';
import type { EventConsumer, EventPublisher, QueueInspector } from './queue/queue.js';
import { createBullmqConsumer, createBullmqPublisher } from './queue/queue-bullmq.js';
import { createMemoryQueue } from './queue/queue-memory.js';
import type { RecommendationStore } from './store/store.js';
import { openMongoStore } from './store/store-mongo.js';
import { openSqliteStore } from './store/store-sqlite.js';
import { guardStore } from './store/store-unavailable.js';

/**
 * The adapters of one process, chosen only by configuration: MONGODB_URI
 * selects MongoDB (else SQLite), REDIS_URL selects BullMQ and the Redis cache
 * (else the in-process queue and LRU). A process opens them once.
 */
export interface Adapters {
  store: RecommendationStore;
  cache: RecommendationCache;
  publisher: EventPublisher & QueueInspector;
  /** The in-process queue is both ends; with Redis the consumer is made on demand. */
  consumer: () => EventConsumer;
  /** True when events cannot leave this process (the worker must run in it). */
  inProcessQueue: boolean;
  /** Tells the relay when the in-process queue, which turned events away, has room again (never with BullMQ). */
  onQueueRoom(listener: () => void): void;
  /** The process's one Redis client when REDIS_URL is set (the API's rate limits share it); closed by close(). */
  redis?: RedisClient;
  close(): Promise<void>;
}

export async function openAdapters(config: Config, logger: Logger, service: string): Promise<Adapters> {
  const store = await openStore(config);
  const redis = config.redisUrl ? createRedisClient({ url: config.redisUrl, logger, name: `clinical-${service}` }) : undefined;
  const cache = redis
    ? createRedisCache({ client: redis, logger, ttlSeconds: config.cacheTtlSeconds })
    : createLruCache({ ttlSeconds: config.cacheTtlSeconds });
  let roomListener: (() => void) | undefined;
  const memory = redis ? undefined : createMemoryQueue({
    logger,
    concurrency: config.workerConcurrency,
    onRoom: () => roomListener?.(),
    // Memory is not durable: an in-process event leaves the outbox only once the worker
    // has finished it (see the relay's confirmedBy). One that failed all its attempts
    // stays pending, so the next start retries it.
    onCompleted: (event) => {
      store.markEventPublished(event.recommendation_id).catch((err: unknown) =>
        logger.error({ err, recommendation_id: event.recommendation_id }, 'could not confirm a processed event; it will be processed again'),
      );
    },
  });
  const publisher = memory ?? createBullmqPublisher({ client: redis as RedisClient, logger });
  let consumer: EventConsumer | undefined;
  return {
    store,
    cache,
    publisher,
    inProcessQueue: memory !== undefined,
    onQueueRoom: (listener) => {
      roomListener = listener;
    },
    ...(redis ? { redis } : {}),
    consumer: () =>
      (consumer ??= memory ?? createBullmqConsumer({
        client: redis as RedisClient,
        logger,
        concurrency: config.workerConcurrency,
        lockDurationMs: config.workerLockDurationMs,
      })),
    async close() {
      // Consumers drain first, then what they write to, then the connections.
      // The in-process queue is one object for both ends: close it once.
      await consumer?.close();
      if (!memory || !consumer) await publisher.close();
      await cache.close();
      if (redis) await closeRedisClient(redis);
      await store.close();
    },
  };
}

/** Guarded: a store that cannot serve fails with UNAVAILABLE (503 + Retry-After), not a driver error (500). */
async function openStore(config: Config): Promise<RecommendationStore> {
  const store = config.mongodbUri ? await openMongoStore(config.mongodbUri) : openSqliteStore({ dataDir: config.dataDir });
  return guardStore(store);
}
