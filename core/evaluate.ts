import { randomUUID } from 'node:crypto';
import { AppError } from './errors.js';
import { fingerprint, IDEMPOTENCY_TTL_MS } from './idempotency.js';
import { toFacts } from './patient-facts.js';
import { eventFor, type PatientInput, type Recommendation } from './recommendation.js';
import type { Recommender } from './rules/recommender.js';
import type { CreateResult, RecommendationStore } from './store/store.js';

export interface EvaluateDeps {
  recommender: Recommender;
  store: RecommendationStore;
  now?: () => Date;
}

export interface IdempotencyRequest {
  subject: string;
  key: string;
}

/** Same bounds as openapi.yaml's `bmi`, applied to a BMI derived from height and weight. */
const BMI_RANGE = { min: 5, max: 150 };

/**
 * The use case behind POST /evaluate: decide, then store the recommendation
 * and its pending event together. Publishing is the outbox relay's job.
 */
export async function evaluatePatient(
  deps: EvaluateDeps,
  input: PatientInput,
  idempotency?: IdempotencyRequest,
): Promise<Exclude<CreateResult, { outcome: 'conflict' }>> {
  const facts = toFacts(input);
  if (input.bmi === undefined && facts.bmi !== undefined && (facts.bmi < BMI_RANGE.min || facts.bmi > BMI_RANGE.max)) {
    throw new AppError('VALIDATION', 'height_cm and weight_kg give an implausible BMI', [
      { path: '/body/weight_kg', message: `derived BMI ${facts.bmi} is outside ${BMI_RANGE.min}-${BMI_RANGE.max}` },
    ]);
  }
  const decision = await deps.recommender.recommend(facts);
  const now = (deps.now ?? (() => new Date()))();
  const recommendation: Recommendation = {
    id: randomUUID(),
    patient_id: input.patient_id,
    recommendation: decision.recommendations[0]?.title ?? null,
    recommendations: decision.recommendations,
    ruleset: decision.ruleset,
    created_at: now.toISOString(),
    notifications: [],
  };
  const claim = idempotency && {
    ...idempotency,
    fingerprint: fingerprint(input),
    expiresAt: new Date(now.getTime() + IDEMPOTENCY_TTL_MS),
  };
  const result = await deps.store.createRecommendation(recommendation, eventFor(recommendation), claim);
  if (result.outcome === 'conflict') {
    throw new AppError('IDEMPOTENCY_CONFLICT', 'this Idempotency-Key was already used with a different request body');
  }
  return result;
}
