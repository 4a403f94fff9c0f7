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
      'rules/1.1.0.json: /rules/2/conditions/all/0/operator: unknown operator "greaterThen"; did you mean "greaterThan"?',
    ]);
  });

  it('lists the known operators when nothing is close', async () => {
    const [line] = lines(await check(ruleset([rule('a', leaf('age', 'between', 3))])));
    expect(line).to.equal(
      'rules/x.json: /rules/0/conditions/all/0/operator: unknown operator "between" (known: equal, notEqual, lessThan, lessThanInclusive, greaterThan, greaterThanInclusive, in, notIn, contains, doesNotContain)',
    );
  });

  it('rejects an unknown fact and suggests the closest one', async () => {
    const doc = ruleset([rule('a', { any: [{ not: { fact: 'chronic_pian', operator: 'equal', value: true } }] })]);
    expect(lines(await check(doc))).to.deep.equal([
      'rules/x.json: /rules/0/conditions/any/0/not/fact: unknown fact "chronic_pian"; did you mean "chronic_pain"?',
    ]);
  });

  it('accepts a declared observation as a fact and rejects an undeclared one', async () => {
    const declared = { observations: { smoker: { type: 'boolean' } } };
    expect(lines(await check(ruleset([rule('a', leaf('smoker', 'equal', true))], declared)))).to.deep.equal([]);
    const [line] = lines(await check(ruleset([rule('a', leaf('diabetic', 'equal', true))], declared)));
    expect(line).to.match(/^rules\/x\.json: \/rules\/0\/conditions\/all\/0\/fact: unknown fact "diabetic" \(known: age, .*smoker; declare others under \/observations\)$/);
  });

  it('rejects an observation that shadows a request field', async () => {
    const doc = ruleset([rule('a', leaf('age', 'greaterThan', 1))], { observations: { age: { type: 'string' } } });
    expect(lines(await check(doc))).to.deep.equal([
      'rules/x.json: /observations/age: "age" is a request field; an observation may not shadow it',
    ]);
  });

  it('rejects a value whose type does not fit the fact', async () => {
    const doc = ruleset([
      rule('a', leaf('age', 'greaterThan', '65')),
      rule('b', leaf('chronic_pain', 'equal', 'yes')),
      rule('c', leaf('bmi', 'greaterThan', { fact: 'chronic_pain' })),
    ]);
    expect(lines(await check(doc))).to.deep.equal([
      'rules/x.json: /rules/0/conditions/all/0/value: "age" is a number, so the value must be a number, got "65"',
      'rules/x.json: /rules/1/conditions/all/0/value: "chronic_pain" is a boolean, so the value must be a boolean, got "yes"',
      'rules/x.json: /rules/2/conditions/all/0/value/fact: "bmi" is a number but "chronic_pain" is a boolean',
    ]);
  });

  it('rejects numeric comparison of a boolean fact', async () => {
    expect(lines(await check(ruleset([rule('a', leaf('recent_surgery', 'greaterThan', 1))])))).to.deep.equal([
      'rules/x.json: /rules/0/conditions/all/0/operator: operator "greaterThan" compares numbers, but "recent_surgery" is a boolean',
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
      'rules/x.json: /rules/0/conditions/all/0/value: operator "in" needs a list of numbers, got 65',
      'rules/x.json: /rules/1/conditions/all/0/value: operator "notIn" needs a non-empty list',
      'rules/x.json: /rules/2/conditions/all/0/value/1: "age" is a number, so the value must be a number, got "70"',
      'rules/x.json: /rules/3/conditions/all/0/value: operator "equal" compares one value, got a list; use "in" or "notIn" for lists',
    ]);
  });

  it('rejects contains on a fact that is not a list, and path or params on a plain fact', async () => {
    const doc = ruleset([
      rule('a', leaf('age', 'contains', 6)),
      rule('b', { all: [{ fact: 'age', operator: 'equal', value: 6, path: '$.x', params: { a: 1 } }] }),
    ]);
    expect(lines(await check(doc))).to.deep.equal([
      'rules/x.json: /rules/0/conditions/all/0/operator: operator "contains" needs a list fact, but "age" is a number',
      'rules/x.json: /rules/1/conditions/all/0/path: "path" cannot apply: fact "age" is a plain value, not an object',
      'rules/x.json: /rules/1/conditions/all/0/params: "params" cannot apply: fact "age" is a plain value, not computed',
    ]);
  });

  it('rejects duplicate rule ids and duplicate codes', async () => {
    const doc = ruleset([
      rule('a', leaf('age', 'greaterThan', 1), 'X'),
      rule('a', leaf('age', 'greaterThan', 2), 'Y'),
      rule('c', leaf('age', 'greaterThan', 3), 'X'),
    ]);
    expect(lines(await check(doc))).to.deep.equal([
      'rules/x.json: /rules/1/id: duplicate rule id "a" (also /rules/0)',
      'rules/x.json: /rules/2/recommendation/code: code "X" is already given by rule "a"',
    ]);
  });

  it('rejects a test that expects a code no rule gives', async () => {
    const doc = shipped();
    doc.tests = [{ name: 'typo', patient: { age: 70, chronic_pain: true }, expect: ['PHYSICAL_THERAPHY'] }];
    expect(lines(await check(doc))).to.deep.equal([
      'rules/x.json: /tests/0/expect/0: no rule gives code "PHYSICAL_THERAPHY"; did you mean "PHYSICAL_THERAPY"?',
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
      'rules/x.json: /tests/0/patient/observations/smokr: observation "smokr" is not declared in /observations; did you mean "smoker"?',
      'rules/x.json: /tests/1/patient/observations/smoker: observation "smoker" is declared as a boolean, got "yes"',
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
      'rules/x.json: /tests/1: test "age 65 with chronic pain is not over 65" failed: expected [], got [PHYSICAL_THERAPY]',
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
      'rules/b.json: /version: version "1.0.0" is also declared by rules/a.json, rules/copy.json with different content',
    ]);
  });

  it('does not let a broken file knock out a valid one that shares its version', async () => {
    const good = await check(shipped(), 'rules/a.json');
    const broken = await check({ ...shipped(), rules: [] }, 'rules/draft.json');
    expect(markVersionConflicts([good, broken]).map((r) => r.compiled !== undefined)).to.deep.equal([true, false]);
  });
});
