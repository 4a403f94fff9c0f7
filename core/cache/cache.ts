import type { Recommendation } from '../recommendation.js';

/**
 * Read-through cache of recommendation views. Adapters: `cache-lru.ts`
 * (in-process) and `cache-redis.ts`. A cache failure is a miss, never an
 * error, so adapters swallow and log their own faults.
 */
export interface RecommendationCache {
  /** Read-only: the in-process adapter hands out its stored (frozen) view. */
  get(id: string): Promise<Readonly<Recommendation> | undefined>;
  set(recommendation: Recommendation): Promise<void>;
  /** Called by the worker whenever it changes what a recommendation shows. */
  invalidate(id: string): Promise<void>;
  close(): Promise<void>;
}
