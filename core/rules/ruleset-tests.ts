import { toFacts } from '../domain/patient-facts.js';
import type { CompiledRuleset } from './compiled-ruleset.js';
import { forEachInSlices, type Pause } from './in-slices.js';
import { pointer, type ProblemList } from './problem.js';
import type { RulesetDefinition, RulesetTest } from './ruleset-format.js';

export interface TestOutcome {
  /** Index in the file's `tests`, for the JSON pointer. */
  index: number;
  name: string;
  expected: string[];
  actual: string[];
  passed: boolean;
}

/** Test cases run between two pauses: one case over 10,000 rules that fire often takes about a millisecond. */
export const TESTS_PER_SLICE = 5;

/** Runs a file's embedded test cases against its own compiled rules, a few at a time between pauses (hot reload). */
export async function runRulesetTests(compiled: CompiledRuleset, tests: readonly RulesetTest[], pause?: Pause): Promise<TestOutcome[]> {
  const outcomes: TestOutcome[] = [];
  await forEachInSlices(
    tests,
    (test, index) => {
      // The same path as a request: defaults and the derived bmi come from toFacts.
      const facts = toFacts({ patient_id: 'ruleset-test', ...test.patient });
      const actual = compiled.decide(facts).recommendations.map((r) => r.code);
      const expected = [...test.expect];
      outcomes.push({ index, name: test.name, expected, actual, passed: sameSet(expected, actual) });
    },
    pause,
    TESTS_PER_SLICE,
  );
  return outcomes;
}

/**
 * A failed test as pointers, not values: which expected codes did not fire
 * (into `expect`) and which rules fired unexpectedly (their code), so the
 * message quotes nothing from the file.
 */
export function reportFailures(outcomes: readonly TestOutcome[], def: Pick<RulesetDefinition, 'rules'>, problems: ProblemList): void {
  // Built only when a test failed: over 10,000 rules it costs milliseconds a reload need not spend.
  let ruleOf: Map<string, number> | undefined;
  for (const outcome of outcomes) {
    if (outcome.passed) continue;
    const ruleAt = (ruleOf ??= new Map(def.rules.map((rule, i) => [rule.recommendation.code, i])));
    const at = pointer('tests', outcome.index);
    const fired = new Set(outcome.actual);
    const expected = new Set(outcome.expected);
    const missing = outcome.expected.flatMap((code, j) => (fired.has(code) ? [] : [`${at}/expect/${j}`]));
    const extra = outcome.actual.flatMap((code) => (expected.has(code) ? [] : [`${pointer('rules', ruleAt.get(code) ?? -1)}/recommendation/code`]));
    const parts = [
      ...(missing.length > 0 ? [`expected but did not fire: ${missing.join(', ')}`] : []),
      ...(extra.length > 0 ? [`fired but not expected: ${extra.join(', ')}`] : []),
    ];
    problems.add(at, `test failed: ${parts.join('; ')}`);
  }
}

export function codes(list: readonly string[]): string {
  return `[${list.join(', ')}]`;
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const left = new Set(a);
  const right = new Set(b);
  return left.size === right.size && [...left].every((code) => right.has(code));
}
