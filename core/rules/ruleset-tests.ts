import { toFacts } from '../domain/patient-facts.js';
import type { CompiledRuleset } from './compiled-ruleset.js';
import { pointer, type ProblemList } from './problem.js';
import type { RulesetTest } from './ruleset-format.js';

export interface TestOutcome {
  /** Index in the file's `tests`, for the JSON pointer. */
  index: number;
  name: string;
  expected: string[];
  actual: string[];
  passed: boolean;
}

/** Runs a file's embedded test cases against its own compiled rules. */
export async function runRulesetTests(compiled: CompiledRuleset, tests: readonly RulesetTest[]): Promise<TestOutcome[]> {
  return Promise.all(
    tests.map(async (test, index) => {
      // The same path as a request: defaults and the derived bmi come from toFacts.
      const facts = toFacts({ patient_id: 'ruleset-test', ...test.patient });
      const decision = await compiled.evaluate(facts);
      const actual = decision.recommendations.map((r) => r.code);
      const expected = [...test.expect];
      const passed = sameSet(expected, actual);
      return { index, name: test.name, expected, actual, passed };
    }),
  );
}

export function reportFailures(outcomes: readonly TestOutcome[], problems: ProblemList): void {
  for (const outcome of outcomes) {
    if (!outcome.passed) {
      problems.add(
        pointer('tests', outcome.index),
        `test "${outcome.name}" failed: expected ${codes(outcome.expected)}, got ${codes(outcome.actual)}`,
      );
    }
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
