import { expect } from 'chai';
import { check, lines, rule, ruleset, shipped, shippedLoose } from './fixtures/rules/ruleset-builders.js';

const ageOver = (n: number): unknown => ({ all: [{ fact: 'age', operator: 'greaterThan', value: n }] });

describe('ruleset JSON Schema', () => {
  it('accepts the shipped ruleset with all its tests passing', async () => {
    const result = await check(shipped(), 'rules/1.0.0.json');
    expect(lines(result)).to.deep.equal([]);
    expect(result.compiled?.ref).to.include({ name: 'clinical-recommendations', version: '1.0.0' });
    expect(result.tests).to.have.length.greaterThan(8);
    expect(result.tests.every((t) => t.passed)).to.equal(true);
  });

  it('reports invalid JSON with its line and column', async () => {
    const { checkRulesetBytes } = await import('../core/rules/ruleset-file.js');
    const result = await checkRulesetBytes(Buffer.from('{\n  "name": "x",\n  "version": \n}'), 'rules/bad.json');
    expect(result.version).to.equal(null);
    expect(lines(result)).to.deep.equal(["rules/bad.json: /: invalid JSON at line 4 column 1: expected a value: an object, array, string, number, true, false or null"]);
  });

  it('rejects a missing version and a version that is not semver', async () => {
    const missing = shippedLoose();
    delete missing.version;
    expect(lines(await check(missing))).to.include('rules/x.json: /: missing required property "version"');
    expect(lines(await check({ ...shipped(), version: '1.0' }))).to.deep.equal([
      'rules/x.json: /version: must be a semantic version (MAJOR.MINOR.PATCH)',
    ]);
  });

  it('rejects an unknown property and suggests the one meant', async () => {
    const doc = shippedLoose();
    doc.rules[0] = { ...doc.rules[0], prority: 5 };
    expect(lines(await check(doc))).to.deep.equal(['rules/x.json: /rules/0/prority: unknown property; did you mean "priority"?']);
  });

  it('rejects a priority below 1 or not a whole number', async () => {
    const doc = shippedLoose();
    doc.rules[0] = { ...doc.rules[0], priority: 0 };
    doc.rules[1] = { ...doc.rules[1], priority: 2.5 };
    expect(lines(await check(doc))).to.deep.equal([
      'rules/x.json: /rules/0/priority: must be >= 1',
      'rules/x.json: /rules/1/priority: must be a whole number',
    ]);
  });

  it('rejects a recommendation code that is not UPPER_SNAKE and a missing title', async () => {
    const doc = ruleset([{ id: 'a', priority: 1, conditions: ageOver(1), recommendation: { code: 'physical-therapy' } }]);
    expect(lines(await check(doc))).to.have.members([
      'rules/x.json: /rules/0/recommendation: missing required property "title"',
      'rules/x.json: /rules/0/recommendation/code: must be upper-case letters, digits and underscores, starting with a letter',
    ]);
  });

  it('rejects conditions that do not start with all, any or not', async () => {
    const doc = ruleset([rule('a', { fact: 'age', operator: 'greaterThan', value: 1 })]);
    expect(lines(await check(doc))).to.deep.equal(['rules/x.json: /rules/0/conditions: conditions must start with "all", "any" or "not"']);
  });

  it('points into nested all/any/not conditions', async () => {
    const doc = ruleset([
      rule('a', { all: [{ any: [{ not: { fact: 'age', operator: 'equal' } }] }, { fact: 'age', operator: 'equal', value: null }] }),
    ]);
    expect(lines(await check(doc))).to.deep.equal([
      'rules/x.json: /rules/0/conditions/all/0/any/0/not: missing required property "value"',
      'rules/x.json: /rules/0/conditions/all/1/value: value must be a number, boolean or string, a list of them, or {"fact": "<name>"}; got null',
    ]);
  });

  it('rejects an observation declared with an unknown type', async () => {
    const doc = { ...shipped(), observations: { smoker: { type: 'yes-no' } } };
    expect(lines(await check(doc))).to.deep.equal([
      'rules/x.json: /observations/smoker/type: must be one of "number", "boolean", "string"',
    ]);
  });

  it('validates test patients against the POST /evaluate ranges', async () => {
    const doc = shipped();
    doc.tests = [
      { name: 'too old', patient: { age: 131 }, expect: [] },
      { name: 'bmi too low', patient: { age: 40, bmi: 4 }, expect: [] },
      { name: 'age as text', patient: { age: '40' as unknown as number }, expect: [] },
      { name: 'with patient id', patient: { age: 40, patient_id: 1 } as unknown as { age: number }, expect: [] },
    ];
    expect(lines(await check(doc))).to.deep.equal([
      'rules/x.json: /tests/0/patient/age: must be <= 130',
      'rules/x.json: /tests/1/patient/bmi: must be >= 5',
      'rules/x.json: /tests/2/patient/age: must be integer, got a string',
      'rules/x.json: /tests/3/patient/patient_id: unknown property (expected: age, bmi, height_cm, weight_kg, chronic_pain, recent_surgery, observations)',
    ]);
  });

  it('reports the version of a file that fails the schema, for GET /rules', async () => {
    const doc = shippedLoose();
    doc.rules = [];
    const result = await check(doc);
    expect(result.version).to.equal('1.0.0');
    expect(result.compiled).to.equal(undefined);
    expect(lines(result)).to.deep.equal(['rules/x.json: /rules: must NOT have fewer than 1 items']);
  });
});
