import type { RequestHandler } from 'express';
import type { RecommendationCache } from '../../core/cache/cache.js';
import { AppError } from '../../core/platform/errors.js';
import type { Recommendation } from '../../core/domain/recommendation.js';
import { decodeCursor, encodeCursor } from '../../core/store/history-cursor.js';
import type { RecommendationStore } from '../../core/store/store.js';
import { mayActFor, principalOf } from '../auth.js';
import { validatedQuery } from '../request-validator.js';

export interface RecommendationRouteDeps {
  store: RecommendationStore;
  cache: RecommendationCache;
}

/**
 * A view is cached only once every notification is sent (final), so a read
 * never hides a later write: pending and failed ones still change.
 */
function isSettled(rec: Recommendation): boolean {
  return rec.notifications.length > 0 && rec.notifications.every((n) => n.status === 'sent');
}

/** GET /recommendation/{id} */
export function getRecommendationHandler(deps: RecommendationRouteDeps): RequestHandler {
  return async (req, res) => {
    const id = req.params.id as string;
    const principal = principalOf(res.locals);
    // Another patient's record looks exactly like an unknown one, so existence does not leak.
    const notFound = () => new AppError('NOT_FOUND', `no recommendation with id ${id}`);
    const cached = await deps.cache.get(id);
    if (cached !== undefined) {
      // Only a patient-scoped token pays for parsing the cached view.
      if (principal.patient !== undefined && !mayActFor(principal, (JSON.parse(cached) as Recommendation).patient_id)) throw notFound();
      res.type('application/json').send(cached);
      return;
    }
    const rec = await deps.store.getRecommendation(id);
    if (rec === undefined || !mayActFor(principal, rec.patient_id)) throw notFound();
    if (isSettled(rec)) await deps.cache.set(rec);
    res.json(rec);
  };
}

/** GET /patients/{patient_id}/recommendations */
export function listPatientRecommendationsHandler(deps: RecommendationRouteDeps): RequestHandler {
  return async (req, res) => {
    // Validated against openapi.yaml: limit is an integer 1-100, cursor a string.
    if (!mayActFor(principalOf(res.locals), req.params.patient_id as string)) {
      throw new AppError('NOT_FOUND', 'no recommendations for this patient are visible to this token');
    }
    const query = validatedQuery(res.locals) as { limit?: number; cursor?: string };
    const limit = query.limit ?? 20;
    const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    const page = await deps.store.listPatientRecommendations(req.params.patient_id as string, limit, after);
    res.json({ items: page.items, ...(page.next ? { next_cursor: encodeCursor(page.next) } : {}) });
  };
}
