import { toFacts } from '../domain/patient-facts.js';
import { pointer } from './problem.js';
import { referenceRuleset } from './reference-ruleset.js';
import type { CheckedRuleset } from './ruleset-file.js';

/**
 * For `clinical-rules validate` and `test`: a valid file's own test cases run
 * once more on json-rules-engine itself, the reference semantics, and must
 * decide exactly as the compiled rules did (fired rules, order, reasons).
 * A disagreement is a bug in the compiler, reported where it shows.
 */
export async function crossCheckWithReference(checked: CheckedRuleset): Promise<CheckedRuleset> {
  const { compiled } = checked;
  const tests = compiled?.definition.tests ?? [];
  if (compiled === undefined || tests.length === 0) return checked;
  const reference = referenceRuleset(compiled.definition, compiled.ref);
  const problems = [];
  for (const [index, test] of tests.entries()) {
    const facts = toFacts({ patient_id: 'ruleset-test', ...test.patient });
    const expected = await reference.evaluate(facts);
    if (JSON.stringify(compiled.decide(facts)) !== JSON.stringify(expected)) {
      problems.push({
        file: checked.file,
        pointer: pointer('tests', index),
        message: `test "${test.name}": the compiled rules and json-rules-engine decide differently (a bug in the rules compiler; please report it)`,
      });
    }
  }
  if (problems.length === 0) return checked;
  const { compiled: _dropped, ...rest } = checked;
  return { ...rest, problems };
}
