import type { RequestHandler } from 'express';
import type { RecommendationCache } from '../../core/cache/cache.js';
import { AppError } from '../../core/platform/errors.js';
import type { Recommendation } from '../../core/domain/recommendation.js';
import { decodeCursor, encodeCursor } from '../../core/store/history-cursor.js';
import type { RecommendationStore } from '../../core/store/store.js';
import { validatedQuery } from '../request-validator.js';

export interface RecommendationRouteDeps {
  store: RecommendationStore;
  cache: RecommendationCache;
}

/** A view is cached only once the worker has finished with it, so a read never hides a later write. */
function isSettled(rec: Recommendation): boolean {
  return rec.notifications.some((n) => n.channel === 'email');
}

/** GET /recommendation/{id} */
export function getRecommendationHandler(deps: RecommendationRouteDeps): RequestHandler {
  return async (req, res) => {
    const id = req.params.id as string;
    const cached = await deps.cache.get(id);
    if (cached !== undefined) {
      res.type('application/json').send(cached);
      return;
    }
    const rec = await deps.store.getRecommendation(id);
    if (rec === undefined) throw new AppError('NOT_FOUND', `no recommendation with id ${id}`);
    if (isSettled(rec)) await deps.cache.set(rec);
    res.json(rec);
  };
}

/** GET /patients/{patient_id}/recommendations */
export function listPatientRecommendationsHandler(deps: RecommendationRouteDeps): RequestHandler {
  return async (req, res) => {
    // Validated against openapi.yaml: limit is an integer 1-100, cursor a string.
    const query = validatedQuery(res.locals) as { limit?: number; cursor?: string };
    const limit = query.limit ?? 20;
    const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    const page = await deps.store.listPatientRecommendations(req.params.patient_id as string, limit, after);
    res.json({ items: page.items, ...(page.next ? { next_cursor: encodeCursor(page.next) } : {}) });
  };
}
