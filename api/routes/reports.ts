import type { RequestHandler } from 'express';
import { AppError } from '../../core/platform/errors.js';
import type { RecommendationStore } from '../../core/store/store.js';
import { validatedQuery } from '../request-validator.js';

/** GET /reports/summary */
export function getReportSummaryHandler(store: RecommendationStore): RequestHandler {
  return async (_req, res) => {
    const { from, to } = validatedQuery(res.locals) as { from?: string; to?: string };
    // ISO dates compare correctly as strings.
    if (from !== undefined && to !== undefined && from > to) {
      throw new AppError('VALIDATION', '`from` is after `to`', [{ path: '/query/from', message: `${from} is after ${to}` }]);
    }
    const [summary, feedback] = await Promise.all([store.reportSummary(from, to), store.cardFeedbackSummary(from, to)]);
    // DESIGN shows from/to in every body: null means "unbounded".
    res.json({ ...summary, from: from ?? null, to: to ?? null, feedback });
  };
}
