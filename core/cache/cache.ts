import type { Recommendation } from '../domain/recommendation.js';

/**
 * Read-through cache of recommendation views, held as the JSON text that
 * GET /recommendation/{id} sends: a hit is written to the socket as it is,
 * with no parse or serialisation per read. Adapters: `cache-lru.ts`
 * (in-process) and `cache-redis.ts`. A cache failure is a miss, never an
 * error, so adapters swallow and log their own faults.
 */
export interface RecommendationCache {
  /** The view's JSON text, or undefined on a miss. */
  get(id: string): Promise<string | undefined>;
  set(recommendation: Recommendation): Promise<void>;
  /** Called by the worker whenever it changes what a recommendation shows. */
  invalidate(id: string): Promise<void>;
  close(): Promise<void>;
}
