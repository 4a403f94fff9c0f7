import type { Decision, PatientFacts } from '../domain/recommendation.js';

/**
 * What the service needs from a decision maker. The rules engine is one
 * implementation; a model-backed recommender could replace or complement it.
 */
export interface Recommender {
  /** Evaluates wholly against one ruleset version; safe to call concurrently. */
  recommend(facts: PatientFacts): Promise<Decision>;
}
