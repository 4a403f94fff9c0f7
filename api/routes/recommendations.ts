import { Router } from 'express';
import type { RecommendationCache } from '../../core/cache/cache.js';
import { AppError } from '../../core/errors.js';
import type { Recommendation } from '../../core/recommendation.js';
import { decodeCursor, encodeCursor } from '../../core/store/history-cursor.js';
import type { RecommendationStore } from '../../core/store/store.js';

export interface RecommendationRouteDeps {
  store: RecommendationStore;
  cache: RecommendationCache;
}

/** A view is cached only once the worker has finished with it, so a read never hides a later write. */
function isSettled(rec: Recommendation): boolean {
  return rec.notifications.some((n) => n.channel === 'email');
}

export function recommendationRoutes(deps: RecommendationRouteDeps): Router {
  const router = Router();

  router.get('/recommendation/:id', async (req, res) => {
    const id = req.params.id as string;
    let rec = await deps.cache.get(id);
    if (rec === undefined) {
      rec = await deps.store.getRecommendation(id);
      if (rec === undefined) throw new AppError('NOT_FOUND', `no recommendation with id ${id}`);
      if (isSettled(rec)) await deps.cache.set(rec);
    }
    res.json(rec);
  });

  router.get('/patients/:patient_id/recommendations', async (req, res) => {
    // Validated as an integer 1-100 by openapi.yaml; Express 5 re-parses req.query, so convert here.
    const limit = req.query.limit === undefined ? 20 : Number(req.query.limit);
    const cursor = req.query.cursor as string | undefined;
    const after = cursor === undefined ? undefined : decodeCursor(cursor);
    const page = await deps.store.listPatientRecommendations(req.params.patient_id as string, limit, after);
    res.json({ items: page.items, ...(page.next ? { next_cursor: encodeCursor(page.next) } : {}) });
  });

  return router;
}
