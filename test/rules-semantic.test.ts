import { expect } from 'chai';
import { checkRulesetBytes } from '../core/rules/ruleset-file.js';
import { markVersionConflicts } from '../core/rules/version-conflicts.js';
import { check, lines, rule, ruleset, shipped, shippedLoose } from './fixtures/rules/ruleset-builders.js';

const leaf = (fact: string, operator: string, value: unknown): unknown => ({ all: [{ fact, operator, value }] });

describe('ruleset semantic validation', () => {
  it('rejects an unknown operator and suggests the closest one', async () => {
    const doc = shippedLoose();
    doc.version = '1.1.0';
    doc.rules[2] = rule('high-bmi', leaf('bmi', 'greaterThen', 30), 'WEIGHT_MANAGEMENT_PROGRAM');
    doc.tests = [];
    expect(lines(await check(doc, 'rules/1.1.0.json'))).to.deep.equal([
      'rules/1.1.0.json: /rules/2/conditions/all/0/operator: unknown operator; did you mean "greaterThan"?',
    ]);
  });

  it('lists the known operators when nothing is close', async () => {
    const [line] = lines(await check(ruleset([rule('a', leaf('age', 'between', 3))])));
    expect(line).to.equal(
      'rules/x.json: /rules/0/conditions/all/0/operator: unknown operator (known: equal, notEqual, lessThan, lessThanInclusive, greaterThan, greaterThanInclusive, in, notIn, contains, doesNotContain)',
    );
  });

  it('rejects an unknown fact and suggests the closest one', async () => {
    const doc = ruleset([rule('a', { any: [{ not: { fact: 'chronic_pian', operator: 'equal', value: true } }] })]);
    expect(lines(await check(doc))).to.deep.equal([
      'rules/x.json: /rules/0/conditions/any/0/not/fact: unknown fact; did you mean "chronic_pain"?',
    ]);
  });

  it('accepts a declared observation as a fact and rejects an undeclared one', async () => {
    const declared = { observations: { smoker: { type: 'boolean' } } };
    expect(lines(await check(ruleset([rule('a', leaf('smoker', 'equal', true))], declared)))).to.deep.equal([]);
    const [line] = lines(await check(ruleset([rule('a', leaf('diabetic', 'equal', true))], declared)));
    expect(line).to.equal(
      'rules/x.json: /rules/0/conditions/all/0/fact: unknown fact (known: age, bmi, height_cm, weight_kg, chronic_pain, recent_surgery, or one declared under /observations)',
    );
  });

  it('rejects an observation that shadows a request field', async () => {
    const doc = ruleset([rule('a', leaf('age', 'greaterThan', 1))], { observations: { age: { type: 'string' } } });
    expect(lines(await check(doc))).to.deep.equal([
      'rules/x.json: /observations/age: this name is a request field; an observation may not shadow it',
    ]);
  });

  it('rejects a value whose type does not fit the fact', async () => {
    const doc = ruleset([
      rule('a', leaf('age', 'greaterThan', '65')),
      rule('b', leaf('chronic_pain', 'equal', 'yes')),
      rule('c', leaf('bmi', 'greaterThan', { fact: 'chronic_pain' })),
    ]);
    expect(lines(await check(doc))).to.deep.equal([
      'rules/x.json: /rules/0/conditions/all/0/value: the fact is a number, so the value must be a number, got a string',
      'rules/x.json: /rules/1/conditions/all/0/value: the fact is a boolean, so the value must be a boolean, got a string',
      'rules/x.json: /rules/2/conditions/all/0/value/fact: this fact is a boolean, but /rules/2/conditions/all/0/fact is a number',
    ]);
  });

  it('rejects numeric comparison of a boolean fact', async () => {
    expect(lines(await check(ruleset([rule('a', leaf('recent_surgery', 'greaterThan', 1))])))).to.deep.equal([
      'rules/x.json: /rules/0/conditions/all/0/operator: operator "greaterThan" compares numbers, but this fact is a boolean',
    ]);
  });

  it('requires a non-empty list of the right type for in and notIn', async () => {
    const doc = ruleset([
      rule('a', leaf('age', 'in', 65)),
      rule('b', leaf('age', 'notIn', [])),
      rule('c', leaf('age', 'in', [60, '70'])),
      rule('d', leaf('age', 'equal', [60, 70])),
    ]);
    expect(lines(await check(doc))).to.deep.equal([
      'rules/x.json: /rules/0/conditions/all/0/value: operator "in" needs a list of numbers, got a whole number',
      'rules/x.json: /rules/1/conditions/all/0/value: operator "notIn" needs a non-empty list',
      'rules/x.json: /rules/2/conditions/all/0/value/1: the fact is a number, so the value must be a number, got a string',
      'rules/x.json: /rules/3/conditions/all/0/value: operator "equal" compares one value, got a list; use "in" or "notIn" for lists',
    ]);
  });

  it('rejects contains on a fact that is not a list, and path or params on a plain fact', async () => {
    const doc = ruleset([
      rule('a', leaf('age', 'contains', 6)),
      rule('b', { all: [{ fact: 'age', operator: 'equal', value: 6, path: '$.x', params: { a: 1 } }] }),
    ]);
    expect(lines(await check(doc))).to.deep.equal([
      'rules/x.json: /rules/0/conditions/all/0/operator: operator "contains" needs a list fact, but this fact is a number',
      'rules/x.json: /rules/1/conditions/all/0/path: "path" cannot apply: every fact is a plain value, not an object',
      'rules/x.json: /rules/1/conditions/all/0/params: "params" cannot apply: every fact is a plain value, not computed',
    ]);
  });

  it('rejects duplicate rule ids and duplicate codes', async () => {
    const doc = ruleset([
      rule('a', leaf('age', 'greaterThan', 1), 'X'),
      rule('a', leaf('age', 'greaterThan', 2), 'Y'),
      rule('c', leaf('age', 'greaterThan', 3), 'X'),
    ]);
    expect(lines(await check(doc))).to.deep.equal([
      'rules/x.json: /rules/1/id: duplicate rule id (also /rules/0/id)',
      'rules/x.json: /rules/2/recommendation/code: duplicate code (also /rules/0/recommendation/code)',
    ]);
  });

  it('rejects a test that expects a code no rule gives', async () => {
    const doc = shipped();
    doc.tests = [{ name: 'typo', patient: { age: 70, chronic_pain: true }, expect: ['PHYSICAL_THERAPHY'] }];
    expect(lines(await check(doc))).to.deep.equal([
      'rules/x.json: /tests/0/expect/0: no rule gives this code; did you mean /rules/1/recommendation/code?',
    ]);
  });

  it('rejects test patients with undeclared or wrongly typed observations', async () => {
    const doc = ruleset([rule('a', leaf('smoker', 'equal', true))], {
      observations: { smoker: { type: 'boolean' } },
      tests: [
        { name: 'typo', patient: { age: 40, observations: { smokr: true } }, expect: [] },
        { name: 'text', patient: { age: 40, observations: { smoker: 'yes' } }, expect: [] },
      ],
    });
    expect(lines(await check(doc))).to.deep.equal([
      'rules/x.json: /tests/0/patient/observations/smokr: observation not declared in /observations; did you mean /observations/smoker?',
      'rules/x.json: /tests/1/patient/observations/smoker: must be a boolean, as /observations/smoker declares; got a string',
    ]);
  });

  it('makes a file with a failing test invalid, naming the test and what fired instead', async () => {
    const doc = shipped();
    const elderly = doc.rules[1];
    if (elderly?.conditions === undefined || !('all' in elderly.conditions)) throw new Error('fixture changed');
    elderly.conditions.all[0] = { fact: 'age', operator: 'greaterThanInclusive', value: 65 };
    const result = await check(doc);
    expect(result.compiled).to.equal(undefined);
    expect(lines(result)).to.deep.equal([
      'rules/x.json: /tests/1: test failed: fired but not expected: /rules/1/recommendation/code',
    ]);
  });

  it('rejects two files with the same version and different content, but not a reformatted copy', async () => {
    const original = await check(shipped(), 'rules/a.json');
    const copy = await checkRulesetBytes(Buffer.from(JSON.stringify(shipped())), 'rules/copy.json');
    const changed = await check({ ...shipped(), description: 'edited' }, 'rules/b.json');

    expect(markVersionConflicts([original, copy]).map((r) => r.compiled !== undefined)).to.deep.equal([true, true]);
    const [a, c, b] = markVersionConflicts([original, copy, changed]);
    expect([a, c, b].map((r) => r?.compiled !== undefined)).to.deep.equal([false, false, false]);
    expect(b === undefined ? [] : lines(b)).to.deep.equal([
      'rules/b.json: /version: this version is also declared by rules/a.json, rules/copy.json with different content',
    ]);
  });

  it('does not let a broken file knock out a valid one that shares its version', async () => {
    const good = await check(shipped(), 'rules/a.json');
    const broken = await check({ ...shipped(), rules: [] }, 'rules/draft.json');
    expect(markVersionConflicts([good, broken]).map((r) => r.compiled !== undefined)).to.deep.equal([true, false]);
  });
});
