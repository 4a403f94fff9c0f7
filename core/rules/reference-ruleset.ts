import { Fact, type RuleResult } from 'json-rules-engine';
import type { Decision, FiredRule, PatientFacts, RulesetRef } from '../domain/recommendation.js';
import { EnginePool } from './engine-pool.js';
import { reasonsFor, type EvaluatedCondition } from './reasons.js';
import { firedRule, REQUEST_FACT_NAMES, type FactType, type RuleDefinition, type RulesetDefinition } from './ruleset-format.js';

/**
 * A ruleset run by json-rules-engine itself: the reference semantics the
 * compiled rulesets (compiled-ruleset.ts) must match decision for decision.
 * The differential test and `clinical-rules validate` compare the two.
 */
export interface ReferenceRuleset {
  evaluate(facts: PatientFacts): Promise<Decision>;
}

/** Constant facts need no cache; skipping it spares a hash of every fact on every run. */
const NO_CACHE = { cache: false };

export function referenceRuleset(definition: RulesetDefinition, ref: RulesetRef): ReferenceRuleset {
  const pool = new EnginePool(definition.rules);
  const rulesById = new Map<string, RuleDefinition>(definition.rules.map((rule) => [rule.id, rule]));
  const observations: Array<[string, FactType]> = Object.entries(definition.observations ?? {}).map(
    ([name, declaration]) => [name, declaration.type],
  );

  function runtimeFacts(patient: PatientFacts): Record<string, Fact> {
    const facts: Record<string, Fact> = {};
    for (const name of REQUEST_FACT_NAMES) {
      const value = patient[name];
      if (value !== undefined) facts[name] = new Fact(name, value, NO_CACHE);
    }
    // Only declared observations become facts, and only with the declared type.
    for (const [name, type] of observations) {
      const value = patient.observations[name];
      if (typeof value === type) facts[name] = new Fact(name, value, NO_CACHE);
    }
    return facts;
  }

  function fired(result: RuleResult): FiredRule {
    const rule = rulesById.get(result.name);
    if (rule === undefined) throw new Error(`engine reported unknown rule "${result.name}"`);
    return firedRule(rule, reasonsFor(result.conditions as EvaluatedCondition));
  }

  return {
    async evaluate(patient: PatientFacts): Promise<Decision> {
      const facts = runtimeFacts(patient);
      const { results } = await pool.with((engine) => engine.run(facts));
      const recommendations = results.map(fired);
      recommendations.sort((a, b) => b.priority - a.priority || (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0));
      return { ruleset: ref, recommendations };
    },
  };
}
