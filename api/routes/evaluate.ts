import type { RequestHandler } from 'express';
import { evaluatePatient, type EvaluateDeps } from '../../core/evaluate.js';
import type { PatientInput, RecommendationEvent } from '../../core/recommendation.js';
import { runWithContext, currentContext } from '../../core/request-context.js';
import type { Logger } from '../../core/logger.js';
import type { Metrics } from '../../core/metrics.js';
import { principalOf } from '../auth.js';

export interface EvaluateRouteDeps extends EvaluateDeps {
  logger: Logger;
  metrics: Metrics;
  /** Called after a new recommendation is stored, so its event goes out now. */
  onCreated: (event: RecommendationEvent) => void;
}

/** POST /evaluate */
export function evaluateHandler(deps: EvaluateRouteDeps): RequestHandler {
  return async (req, res) => {
    const key = req.get('idempotency-key');
    const idempotency = key === undefined ? undefined : { subject: principalOf(res.locals).subject, key };
    const result = await evaluatePatient(deps, req.body as PatientInput, idempotency);
    const rec = result.recommendation;
    runWithContext({ ...currentContext(), recommendationId: rec.id }, () => {
      if (result.outcome === 'created') {
        deps.onCreated(result.event);
        for (const r of rec.recommendations) deps.metrics.evaluations.inc({ code: r.code });
        if (rec.recommendations.length === 0) deps.metrics.evaluations.inc({ code: 'NONE' });
        deps.logger.info({ ruleset_version: rec.ruleset.version, fired: rec.recommendations.length }, 'recommendation created');
      } else {
        deps.logger.info({}, 'idempotent replay');
      }
    });
    res
      .status(result.outcome === 'created' ? 201 : 200)
      .location(`/recommendation/${rec.id}`)
      .json(rec);
  };
}
