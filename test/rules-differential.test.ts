import { expect } from 'chai';
import type { Decision } from '../core/domain/recommendation.js';
import { compileRuleset } from '../core/rules/compiled-ruleset.js';
import { referenceRuleset } from '../core/rules/reference-ruleset.js';
import { randomPatient, randomRuleset, seeded } from './fixtures/rules/random-ruleset.js';

/**
 * json-rules-engine is the reference semantics; the service evaluates
 * compiled rulesets. Over generated ruleset/patient pairs, both must fire the
 * same rules, in the same order, with the same reasons.
 */
describe('compiled rulesets against json-rules-engine', function () {
  this.timeout(120_000);

  const RULESETS = 5_000;
  const PATIENTS_PER_RULESET = 20;

  it(`decide exactly as the engine over ${RULESETS * PATIENTS_PER_RULESET} generated ruleset/patient pairs`, async () => {
    const random = seeded(19);
    const mismatches: string[] = [];
    let pairs = 0;
    let fired = 0;
    let withReasons = 0;
    for (let r = 0; r < RULESETS; r += 1) {
      const definition = randomRuleset(random, r);
      const ref = { name: definition.name, version: definition.version, hash: `sha256:${r}` };
      const compiled = await compileRuleset(definition, ref, { sliceSize: 2 });
      const reference = referenceRuleset(definition, ref);
      for (let p = 0; p < PATIENTS_PER_RULESET; p += 1) {
        const patient = randomPatient(random);
        const expected: Decision = await reference.evaluate(patient);
        const actual = compiled.decide(patient);
        pairs += 1;
        fired += expected.recommendations.length;
        withReasons += expected.recommendations.filter((x) => x.reasons.length > 0).length;
        const codes = compiled.codes(patient);
        if (JSON.stringify(actual) !== JSON.stringify(expected) || JSON.stringify(codes) !== JSON.stringify(expected.recommendations.map((x) => x.code))) {
          if (mismatches.length < 3) {
            mismatches.push(JSON.stringify({ rules: definition.rules, observations: definition.observations, patient, expected, actual, codes }));
          }
        }
      }
    }
    expect(mismatches, mismatches.join('\n\n')).to.deep.equal([]);
    expect(pairs).to.be.at.least(100_000);
    // The generator must make rules fire (and not fire) often enough for the comparison to mean something.
    expect(fired / pairs).to.be.within(0.3, 5);
    expect(withReasons).to.be.greaterThan(fired / 2);
  });
});
