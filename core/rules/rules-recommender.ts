import type { Decision, PatientFacts } from '../domain/recommendation.js';
import { checkObservations } from './observation-check.js';
import type { Recommender } from './recommender.js';
import type { RulesetDefinition } from './ruleset-format.js';

/** Anything that can hand out the ruleset serving right now. */
export interface RulesetSource {
  current(): { definition: Pick<RulesetDefinition, 'version' | 'observations'>; evaluate(facts: PatientFacts): Promise<Decision> };
}

/**
 * The rules engine behind the Recommender port. The ruleset is taken once per
 * call, so a reload in the middle of an evaluation cannot mix two versions.
 */
export function createRulesRecommender(registry: RulesetSource): Recommender {
  return {
    // async, so "no ruleset loaded" arrives as a rejection like any other failure.
    recommend: async (facts) => {
      const ruleset = registry.current();
      // The observations are checked against the same version that decides (400 on a mismatch).
      checkObservations(ruleset.definition, facts.observations);
      return ruleset.evaluate(facts);
    },
  };
}
