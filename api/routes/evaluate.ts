import type { RequestHandler } from 'express';
import type { Logger } from '../../core/platform/logger.js';
import type { Metrics } from '../../core/platform/metrics.js';
import { evaluatePatient, type EvaluateDeps } from '../../core/domain/evaluate.js';
import type { PatientInput } from '../../core/domain/recommendation.js';
import { principalOf, requirePatientAccess } from '../auth.js';

export interface EvaluateRouteDeps {
  evaluation: EvaluateDeps;
  logger: Logger;
  metrics: Metrics;
}

/** POST /evaluate */
export function evaluateHandler(deps: EvaluateRouteDeps): RequestHandler {
  return async (req, res) => {
    const principal = principalOf(res.locals);
    requirePatientAccess(principal, (req.body as PatientInput).patient_id);
    const key = req.get('idempotency-key');
    const idempotency = key === undefined ? undefined : { subject: principal.subject, key };
    const { outcome, recommendation: rec } = await evaluatePatient(deps.evaluation, req.body as PatientInput, idempotency);
    if (outcome === 'created') {
      deps.metrics.countEvaluation(rec.recommendations.map((r) => r.code));
      deps.logger.info({ recommendation_id: rec.id, ruleset_version: rec.ruleset.version, fired: rec.recommendations.length }, 'recommendation created');
    } else {
      deps.logger.info({ recommendation_id: rec.id }, 'idempotent replay');
    }
    res
      .status(outcome === 'created' ? 201 : 200)
      .location(`/recommendation/${rec.id}`)
      .json(rec);
  };
}
