import { Router } from 'express';
import { AppError } from '../../core/errors.js';
import type { RecommendationStore } from '../../core/store/store.js';

export function reportRoutes(store: RecommendationStore): Router {
  const router = Router();
  router.get('/reports/summary', async (req, res) => {
    const from = req.query.from as string | undefined;
    const to = req.query.to as string | undefined;
    // ISO dates compare correctly as strings.
    if (from !== undefined && to !== undefined && from > to) {
      throw new AppError('VALIDATION', '`from` is after `to`', [{ path: '/query/from', message: `${from} is after ${to}` }]);
    }
    const summary = await store.reportSummary(from, to);
    // DESIGN shows from/to in every body: null means "unbounded".
    res.json({ ...summary, from: from ?? null, to: to ?? null });
  });
  return router;
}
