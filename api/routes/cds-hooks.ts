import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import { evaluatePatient, type EvaluateDeps } from '../../core/domain/evaluate.js';
import { fingerprint } from '../../core/domain/idempotency.js';
import type { PatientInput } from '../../core/domain/recommendation.js';
import { cardsFor } from '../../core/fhir/cds-cards.js';
import { describeService, prefetchTemplates } from '../../core/fhir/cds-service.js';
import type { FhirFactsConfig } from '../../core/fhir/facts-config.js';
import { fhirSource, type FhirClientOptions } from '../../core/fhir/fhir-client.js';
import { gatherHookData } from '../../core/fhir/hook-data.js';
import { factsFromFhir } from '../../core/fhir/hook-facts.js';
import { AppError } from '../../core/platform/errors.js';
import type { Logger } from '../../core/platform/logger.js';
import type { Metrics } from '../../core/platform/metrics.js';
import { principalOf, requirePatientAccess } from '../auth.js';

/** What the CDS Hooks door needs: the same use case as POST /evaluate, and how to read FHIR. */
export interface CdsHooksDeps {
  evaluation: EvaluateDeps;
  fhirFacts: FhirFactsConfig;
  fhirClient: FhirClientOptions;
  logger: Logger;
  metrics: Metrics;
}

/** The body of a hook call after validation against openapi.yaml (CdsHookRequest). */
interface HookRequest {
  hook: string;
  hookInstance: string;
  fhirServer?: string;
  fhirAuthorization?: { access_token: string };
  context: { userId: string; patientId: string; encounterId?: string };
  prefetch?: Record<string, unknown>;
}

/** GET /cds-services */
export function cdsDiscoveryHandler(config: FhirFactsConfig): RequestHandler {
  const body = { services: [describeService(config)] };
  return (_req, res) => {
    res.json(body);
  };
}

/**
 * POST /cds-services/clinical-recommendations: FHIR data in (prefetched or
 * read from the EHR), facts out, then exactly what POST /evaluate does with
 * them; the answer is cards. The hookInstance, scoped to the token's subject,
 * is the idempotency key: a retry replays the stored cards.
 */
export function cdsPatientViewHandler(deps: CdsHooksDeps): RequestHandler {
  const templates = prefetchTemplates(deps.fhirFacts);
  return async (req, res) => {
    const call = req.body as HookRequest;
    const patientId = call.context.patientId;
    const principal = principalOf(res.locals);
    requirePatientAccess(principal, patientId);
    if (call.fhirAuthorization !== undefined && call.fhirServer === undefined) {
      throw new AppError('VALIDATION', 'fhirAuthorization needs fhirServer', [{ path: '/body/fhirServer', message: 'is required with fhirAuthorization' }]);
    }
    const now = (deps.evaluation.now ?? (() => new Date()))();
    const source = fhirSource(deps.fhirClient, call.fhirServer, call.fhirAuthorization?.access_token);
    const data = await gatherHookData(patientId, call.prefetch, templates, source);
    const facts = factsFromFhir(data, deps.fhirFacts, patientId, now);
    const input: PatientInput = { patient_id: patientId, ...facts };
    const idempotency = {
      subject: principal.subject,
      key: `cds-hooks:${call.hookInstance}`,
      // The same hook call, whatever the EHR prefetched or which token it sent this time.
      fingerprint: fingerprint({ hook: call.hook, context: call.context }),
    };
    const { outcome, recommendation: rec } = await evaluatePatient(deps.evaluation, input, idempotency, (decision) => ({
      source: 'cds-hooks',
      hook: call.hook,
      hook_instance: call.hookInstance,
      cards: decision.recommendations.map((fired) => ({ uuid: randomUUID(), code: fired.code })),
    }));
    if (outcome === 'created') {
      deps.metrics.countEvaluation(rec.recommendations.map((r) => r.code));
      deps.logger.info({ recommendation_id: rec.id, ruleset_version: rec.ruleset.version, fired: rec.recommendations.length, source: 'cds-hooks' }, 'recommendation created');
    } else {
      deps.logger.info({ recommendation_id: rec.id, source: 'cds-hooks' }, 'idempotent replay');
    }
    res.status(200).json({ cards: cardsFor(rec) });
  };
}
