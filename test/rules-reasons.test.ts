import { expect } from 'chai';
import { reasonsFor, type EvaluatedCondition } from '../core/rules/reasons.js';

const held = (fact: string, operator: string, value: unknown, factResult: unknown): EvaluatedCondition => ({
  fact, operator, value, factResult, valueResult: value, result: true,
});
const failed = (fact: string, operator: string, value: unknown, factResult: unknown): EvaluatedCondition => ({
  ...held(fact, operator, value, factResult), result: false,
});

describe('recommendation reasons', () => {
  it('phrases every operator with the actual value', () => {
    const cases: Array<[EvaluatedCondition, string]> = [
      [held('chronic_pain', 'equal', true, true), 'chronic_pain is true'],
      [held('activity', 'equal', 'low', 'low'), 'activity is "low"'],
      [held('smoker', 'notEqual', true, false), 'smoker is false, not true'],
      [held('age', 'lessThan', 18, 12), 'age 12 < 18'],
      [held('age', 'lessThanInclusive', 18, 18), 'age 18 <= 18'],
      [held('age', 'greaterThan', 65, 70), 'age 70 > 65'],
      [held('bmi', 'greaterThanInclusive', 30, 30), 'bmi 30 >= 30'],
      [held('activity', 'in', ['low', 'sedentary'], 'low'), 'activity "low" is one of ["low", "sedentary"]'],
      [held('age', 'notIn', [1, 2], 40), 'age 40 is not one of [1, 2]'],
      [held('allergies', 'contains', 'penicillin', ['penicillin']), 'allergies contains "penicillin"'],
      [held('allergies', 'doesNotContain', 'latex', ['penicillin']), 'allergies does not contain "latex"'],
    ];
    for (const [condition, phrase] of cases) expect(reasonsFor({ all: [condition], result: true })).to.deep.equal([phrase]);
  });

  it('names the other fact when the value refers to one', () => {
    const condition = { ...held('weight_kg', 'greaterThan', { fact: 'target_kg' }, 90), valueResult: 80 };
    expect(reasonsFor({ all: [condition], result: true })).to.deep.equal(['weight_kg 90 > target_kg 80']);
  });

  it('lists only the branches of any that held, and skips branches never evaluated', () => {
    const tree: EvaluatedCondition = {
      any: [failed('age', 'greaterThan', 65, 40), held('pain_score', 'greaterThanInclusive', 7, 9), { fact: 'bmi', operator: 'greaterThan', value: 30 }],
      result: true,
    };
    expect(reasonsFor(tree)).to.deep.equal(['pain_score 9 >= 7']);
  });

  it('phrases conditions under not as their complement, through nested all and any', () => {
    const tree: EvaluatedCondition = {
      all: [
        { not: failed('recent_surgery', 'equal', true, false), result: true },
        { not: { any: [failed('age', 'greaterThan', 80, 50), failed('activity', 'in', ['high'], 'low')], result: false }, result: true },
        { not: { all: [held('age', 'lessThan', 60, 50), failed('bmi', 'lessThanInclusive', 25, 27)], result: false }, result: true },
        { not: { not: held('smoker', 'equal', true, true), result: false }, result: true },
      ],
      result: true,
    };
    expect(reasonsFor(tree)).to.deep.equal([
      'recent_surgery is false, not true',
      'age 50 <= 80',
      'activity "low" is not one of ["high"]',
      'bmi 27 > 25',
      'smoker is true',
    ]);
  });

  it('says a fact is not recorded when a negated condition failed for lack of it', () => {
    const tree: EvaluatedCondition = { not: failed('bmi', 'greaterThan', 30, undefined), result: true };
    expect(reasonsFor(tree)).to.deep.equal(['bmi is not recorded']);
  });
});
