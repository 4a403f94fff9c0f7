import type { Condition, RuleDefinition, RulesetDefinition } from '../core/rules/ruleset-format.js';

/**
 * A large, valid ruleset for the rules micro-benchmark: `count` rules over the
 * request facts and two declared observations, mixing all/any/not, numeric,
 * boolean and list operators, so the engine does the kind of work real rule
 * authors would give it. Unique ids and codes; one embedded test keeps it honest.
 *
 * Shapes: `dense` (the original) fires about one rule in eight for every
 * patient, so 10,000 rules give ~1,200 recommendations per patient: a stress
 * case for building reasons. `banded` (the default) puts each rule in a
 * five-year age band as well, as real rules target a population, and fires
 * about one rule in a hundred.
 */
export type RulesetShape = 'banded' | 'dense';

export function generatedRuleset(count: number, version: string, shape: RulesetShape = 'banded'): RulesetDefinition {
  const rules: RuleDefinition[] = Array.from({ length: count }, (_, i) => ({
    id: `generated-rule-${i}`,
    description: `generated rule ${i} for the benchmark`,
    priority: 1 + (i % 50),
    conditions: shape === 'dense' ? conditionsFor(i) : banded(i, conditionsFor(i)),
    recommendation: { code: `GENERATED_${i}`, title: `Generated recommendation ${i}` },
  }));
  return {
    name: 'clinical-recommendations',
    version,
    description: `${count} generated rules for bench/rules-bench.ts`,
    observations: {
      smoker: { type: 'boolean', description: 'current smoker' },
      systolic_bp: { type: 'number', description: 'systolic blood pressure, mmHg' },
    },
    rules,
    tests: [{ name: 'a 10-year-old with no other facts fires nothing', patient: { age: 10 }, expect: [] }],
  };
}

/** The rule's conditions, for patients in one five-year age band only (18 to 97, drifting with i). */
function banded(i: number, conditions: RuleDefinition['conditions']): RuleDefinition['conditions'] {
  const from = 18 + ((i * 7) % 78);
  return { all: [fact('age', 'greaterThanInclusive', from), fact('age', 'lessThan', from + 5), conditions] };
}

/** Thresholds drift with i, so different patients fire different subsets. */
function conditionsFor(i: number): RuleDefinition['conditions'] {
  const age = 30 + (i % 60);
  const bmi = 20 + (i % 25);
  const kind = i % 6;
  const all = (...conditions: Condition[]) => ({ all: conditions });
  if (kind === 0) return all(fact('age', 'greaterThan', age), fact('chronic_pain', 'equal', true));
  if (kind === 1) return { any: [fact('bmi', 'greaterThan', bmi), fact('weight_kg', 'greaterThanInclusive', 80 + (i % 60))] };
  if (kind === 2) return all(fact('recent_surgery', 'equal', true), fact('age', 'lessThanInclusive', age));
  if (kind === 3) return all(fact('height_cm', 'lessThan', 150 + (i % 40)), { not: fact('bmi', 'lessThan', bmi) });
  if (kind === 4) return all(fact('smoker', 'equal', true), fact('systolic_bp', 'greaterThan', 120 + (i % 50)));
  return all(fact('age', 'in', [age, age + 1, age + 2, age + 3]), { any: [fact('chronic_pain', 'equal', true), fact('bmi', 'greaterThan', bmi)] });
}

function fact(name: string, operator: string, value: number | boolean | number[]): Condition {
  return { fact: name, operator, value };
}
