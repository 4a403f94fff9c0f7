import { v7 as uuidv7 } from 'uuid';
import { AppError } from '../platform/errors.js';
import { fingerprint, IDEMPOTENCY_TTL_MS } from './idempotency.js';
import { toFacts } from './patient-facts.js';
import { eventFor, type Decision, type PatientInput, type Recommendation, type RecommendationEvent, type RecommendationOrigin } from './recommendation.js';
import type { Recommender } from '../rules/recommender.js';
import type { RecommendationStore } from '../store/store.js';

export interface EvaluateDeps {
  recommender: Recommender;
  store: RecommendationStore;
  /** Publishes a just-stored event at once; the outbox relay retries it if that fails. */
  publishNew: (event: RecommendationEvent) => Promise<void>;
  now?: () => Date;
}

export interface IdempotencyRequest {
  subject: string;
  key: string;
  /** What a retry must match; defaults to the whole input. (A hook call is matched on its hook and context.) */
  fingerprint?: string;
}

/** Provenance of a decision made through another door than POST /evaluate, built once the rules have fired. */
export type OriginOf = (decision: Decision) => RecommendationOrigin;

/** Same bounds as openapi.yaml's `bmi`, applied to a BMI derived from height and weight. */
const BMI_RANGE = { min: 5, max: 150 };

/** A new recommendation comes with the event stored beside it. */
export type EvaluateOutcome =
  | { outcome: 'created'; recommendation: Recommendation; event: RecommendationEvent }
  | { outcome: 'replayed'; recommendation: Recommendation };

/**
 * The use case behind POST /evaluate: decide, store the recommendation and
 * its pending event together, then hand the event to the relay. The response
 * never waits for the broker: a pending event is published by a later pass.
 */
export async function evaluatePatient(
  deps: EvaluateDeps,
  input: PatientInput,
  idempotency?: IdempotencyRequest,
  originOf?: OriginOf,
): Promise<EvaluateOutcome> {
  const facts = toFacts(input);
  if (input.bmi === undefined && facts.bmi !== undefined && (facts.bmi < BMI_RANGE.min || facts.bmi > BMI_RANGE.max)) {
    throw new AppError('VALIDATION', 'height_cm and weight_kg give an implausible BMI', [
      { path: '/body/weight_kg', message: `derived BMI ${facts.bmi} is outside ${BMI_RANGE.min}-${BMI_RANGE.max}` },
    ]);
  }
  const decision = await deps.recommender.recommend(facts);
  const now = (deps.now ?? (() => new Date()))();
  const recommendation: Recommendation = {
    id: uuidv7(),
    patient_id: input.patient_id,
    recommendation: decision.recommendations[0]?.title ?? null,
    recommendations: decision.recommendations,
    ruleset: decision.ruleset,
    created_at: now.toISOString(),
    notifications: [],
    ...(originOf !== undefined ? { origin: originOf(decision) } : {}),
  };
  const claim = idempotency && {
    subject: idempotency.subject,
    key: idempotency.key,
    fingerprint: idempotency.fingerprint ?? fingerprint(input),
    expiresAt: new Date(now.getTime() + IDEMPOTENCY_TTL_MS),
  };
  const event = eventFor(recommendation);
  // The facts go to the store only (provenance for replay), never into the response, logs or event.
  const result = await deps.store.createRecommendation(recommendation, event, claim, facts);
  if (result.outcome === 'conflict') {
    throw new AppError('IDEMPOTENCY_CONFLICT', 'this Idempotency-Key was already used with a different request body');
  }
  if (result.outcome === 'replayed') return result;
  void deps.publishNew(event);
  return { ...result, event };
}
