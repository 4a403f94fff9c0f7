import { LRUCache } from 'lru-cache';
import type { RecommendationCache } from './cache.js';

export interface LruCacheOptions {
  ttlSeconds: number;
  /** Bounds memory: the least recently used views go first. */
  maxEntries?: number;
  /**
   * After an invalidation, `set` of that id is ignored for this long: a view
   * read from the store just before the worker's write must not be cached
   * after the invalidation and hide the change for a whole TTL.
   */
  invalidationWindowMs?: number;
}

/** In-process cache for embedded mode (API and worker share the process). */
export function createLruCache(options: LruCacheOptions): RecommendationCache {
  const { ttlSeconds, maxEntries = 10_000, invalidationWindowMs = 5000 } = options;
  const views = new LRUCache<string, string>({ max: maxEntries, ttl: ttlSeconds * 1000 });
  const invalidated = new LRUCache<string, true>({ max: maxEntries, ttl: invalidationWindowMs });

  return {
    async get(id) {
      return views.get(id);
    },
    async set(recommendation) {
      if (invalidated.has(recommendation.id)) return;
      views.set(recommendation.id, JSON.stringify(recommendation));
    },
    async invalidate(id) {
      views.delete(id);
      invalidated.set(id, true);
    },
    async close() {
      views.clear();
      invalidated.clear();
    },
  };
}

