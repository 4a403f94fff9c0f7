import type { Logger } from '../platform/logger.js';
import { boundedCommand, type RedisClient } from '../platform/redis-client.js';
import type { RecommendationCache } from './cache.js';

export interface RedisCacheOptions {
  /** Shared and owned by the caller, who closes it after the cache. */
  client: RedisClient;
  logger: Logger;
  ttlSeconds: number;
  /** Tests use a unique prefix each instead of wiping Redis. */
  keyPrefix?: string;
  /** A cache answer slower than this is a miss; the store is the truth anyway. */
  timeoutMs?: number;
  /** See LruCacheOptions.invalidationWindowMs: same rule, kept in Redis for all processes. */
  invalidationWindowMs?: number;
  /** Bounds the ids whose failed invalidation is retried when Redis is back. */
  maxPendingInvalidations?: number;
}

// Atomic, so a view read before the worker's write cannot slip in after its invalidation.
const SET_UNLESS_INVALIDATED = `
if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
return 1`;

/**
 * Redis cache shared by API and worker processes. Every Redis failure is a
 * miss plus one warning, never a throw, and never a wait: while the client
 * is disconnected, commands fail at once (see redis-client.ts).
 */
export function createRedisCache(options: RedisCacheOptions): RecommendationCache {
  const { client, logger, ttlSeconds, keyPrefix = 'cache:recommendation:', timeoutMs = 250 } = options;
  const { invalidationWindowMs = 5000, maxPendingInvalidations = 10_000 } = options;
  const viewKey = (id: string) => `${keyPrefix}${id}`;
  const markKey = (id: string) => `${keyPrefix}${id}:invalidated`;
  // An invalidation lost to an outage would let a stale view outlive it: retry on reconnect.
  const pendingInvalidations = new Set<string>();

  async function attempt<T>(op: string, id: string, work: () => Promise<T>): Promise<T | undefined> {
    try {
      return await boundedCommand(client, work, { timeoutMs });
    } catch (err) {
      logger.warn({ err, op, recommendation_id: id }, 'cache unavailable, treated as a miss');
      return undefined;
    }
  }

  async function invalidate(id: string): Promise<void> {
    const done = await attempt('invalidate', id, () =>
      client.multi().del(viewKey(id)).set(markKey(id), '1', { expiration: { type: 'PX', value: invalidationWindowMs } }).exec(),
    );
    if (done !== undefined) pendingInvalidations.delete(id);
    else if (pendingInvalidations.size < maxPendingInvalidations) pendingInvalidations.add(id);
  }

  const retryPending = () => {
    for (const id of [...pendingInvalidations]) void invalidate(id);
  };
  client.on('ready', retryPending);

  return {
    async get(id) {
      if (pendingInvalidations.has(id)) return undefined;
      const json = await attempt('get', id, () => client.get(viewKey(id)));
      return json ?? undefined;
    },
    async set(recommendation) {
      const id = recommendation.id;
      await attempt('set', id, () =>
        client.eval(SET_UNLESS_INVALIDATED, {
          keys: [viewKey(id), markKey(id)],
          arguments: [JSON.stringify(recommendation), String(ttlSeconds)],
        }),
      );
    },
    invalidate,
    async close() {
      client.off('ready', retryPending);
    },
  };
}
