import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Engine } from 'json-rules-engine';
import { compileRuleset, type CompiledRuleset } from '../core/rules/compiled-ruleset.js';
import type { RulesetDefinition } from '../core/rules/ruleset-format.js';
import { checkRulesetBytes, checkRulesetFile } from '../core/rules/ruleset-file.js';
import { crossCheckWithReference } from '../core/rules/reference-check.js';
import { toFacts } from '../core/domain/patient-facts.js';
import type { PatientInput } from '../core/domain/recommendation.js';
import { check, rule, ruleset, SHIPPED_PATH } from './fixtures/rules/ruleset-builders.js';

const patient = (input: Omit<PatientInput, 'patient_id'>) => toFacts({ patient_id: 'p-1', ...input });

async function compiledFrom(url: URL): Promise<CompiledRuleset> {
  const result = await checkRulesetFile(fileURLToPath(url));
  if (result.compiled === undefined) throw new Error(result.problems.map((p) => p.message).join('; '));
  return result.compiled;
}

describe('rules engine', () => {
  let shipped: CompiledRuleset;
  before(async () => {
    shipped = await compiledFrom(SHIPPED_PATH);
  });

  describe('shipped ruleset', () => {
    it('stamps each decision with the name, version and sha256 of the file bytes', async () => {
      const { createHash } = await import('node:crypto');
      const hash = `sha256:${createHash('sha256').update(readFileSync(SHIPPED_PATH)).digest('hex')}`;
      const decision = await shipped.evaluate(patient({ age: 30 }));
      expect(decision.ruleset).to.deep.equal({ name: 'clinical-recommendations', version: '1.0.0', hash });
    });

    it('recommends physical therapy over 65 with chronic pain, with the values that held', async () => {
      const decision = await shipped.evaluate(patient({ age: 70, chronic_pain: true }));
      expect(decision.recommendations).to.deep.equal([
        { code: 'PHYSICAL_THERAPY', title: 'Physical Therapy', rule: 'elderly-chronic-pain', priority: 30, reasons: ['age 70 > 65', 'chronic_pain is true'] },
      ]);
    });

    it('does not fire at age 65 and fires at 66', async () => {
      expect((await shipped.evaluate(patient({ age: 65, chronic_pain: true }))).recommendations).to.deep.equal([]);
      const at66 = await shipped.evaluate(patient({ age: 66, chronic_pain: true }));
      expect(at66.recommendations.map((r) => r.code)).to.deep.equal(['PHYSICAL_THERAPY']);
    });

    it('does not fire at bmi 30 and fires at 30.1, saying so', async () => {
      expect((await shipped.evaluate(patient({ age: 40, bmi: 30 }))).recommendations).to.deep.equal([]);
      const decision = await shipped.evaluate(patient({ age: 40, bmi: 30.1 }));
      expect(decision.recommendations).to.deep.equal([
        { code: 'WEIGHT_MANAGEMENT_PROGRAM', title: 'Weight Management Program', rule: 'high-bmi', priority: 20, reasons: ['bmi 30.1 > 30'] },
      ]);
    });

    it('uses a bmi derived from height and weight, and skips the bmi rule when there is none', async () => {
      const derived = await shipped.evaluate(patient({ age: 40, height_cm: 170, weight_kg: 95 }));
      expect(derived.recommendations[0]?.reasons).to.deep.equal(['bmi 32.9 > 30']);
      expect((await shipped.evaluate(patient({ age: 40 }))).recommendations).to.deep.equal([]);
    });

    it('recommends a rehabilitation plan after recent surgery', async () => {
      const decision = await shipped.evaluate(patient({ age: 30, recent_surgery: true }));
      expect(decision.recommendations).to.deep.equal([
        { code: 'POST_OP_REHABILITATION_PLAN', title: 'Post-Op Rehabilitation Plan', rule: 'recent-surgery', priority: 40, reasons: ['recent_surgery is true'] },
      ]);
    });

    it('returns every fired rule, highest priority first, when all fire', async () => {
      const decision = await shipped.evaluate(patient({ age: 72, bmi: 34.5, chronic_pain: true, recent_surgery: true }));
      expect(decision.recommendations.map((r) => [r.code, r.priority])).to.deep.equal([
        ['POST_OP_REHABILITATION_PLAN', 40],
        ['PHYSICAL_THERAPY', 30],
        ['WEIGHT_MANAGEMENT_PROGRAM', 20],
      ]);
    });
  });

  describe('conditions and observations', () => {
    let observations: CompiledRuleset;
    before(async () => {
      observations = await compiledFrom(new URL('./fixtures/rules/observations/2.0.0.json', import.meta.url));
    });

    it('reads declared observations as facts and lists only the any-branches that held', async () => {
      const decision = await observations.evaluate(patient({ age: 50, observations: { pain_score: 8, smoker: true } }));
      expect(decision.recommendations.map((r) => [r.rule, r.reasons])).to.deep.equal([
        ['pain-management', ['pain_score 8 >= 7']],
        ['smoking-cessation', ['smoker is true']],
      ]);
    });

    it('phrases in and not conditions with the actual values', async () => {
      const decision = await observations.evaluate(patient({ age: 50, observations: { activity_level: 'sedentary' } }));
      expect(decision.recommendations[0]?.reasons).to.deep.equal([
        'activity_level "sedentary" is one of ["sedentary", "low"]',
        'recent_surgery is false, not true',
        'age 50 < 80',
      ]);
    });

    it('ignores undeclared observations and observations of the wrong type', async () => {
      const decision = await observations.evaluate(patient({ age: 50, observations: { smoker: 'yes', diabetic: true } }));
      expect(decision.recommendations).to.deep.equal([]);
    });

    it('never lets a condition on a missing fact hold, whatever the operator', async () => {
      const result = await check(
        ruleset([rule('no-smoker', { all: [{ fact: 'smoker', operator: 'notEqual', value: true }] }), rule('not-in', { all: [{ fact: 'bmi', operator: 'notIn', value: [20] }] })], {
          observations: { smoker: { type: 'boolean' } },
        }),
      );
      const decision = await result.compiled?.evaluate(patient({ age: 50 }));
      expect(decision?.recommendations).to.deep.equal([]);
      const withValues = await result.compiled?.evaluate(patient({ age: 50, bmi: 25, observations: { smoker: false } }));
      expect(withValues?.recommendations.map((r) => r.reasons)).to.deep.equal([['smoker is false, not true'], ['bmi 25 is not one of [20]']]);
    });

    it('orders rules of equal priority by rule id', async () => {
      const always = { all: [{ fact: 'age', operator: 'greaterThanInclusive', value: 0 }] };
      const result = await check(ruleset([rule('zeta', always, 'Z', 5), rule('alpha', always, 'A', 5), rule('mid', always, 'M', 9)]));
      const decision = await result.compiled?.evaluate(patient({ age: 1 }));
      expect(decision?.recommendations.map((r) => r.rule)).to.deep.equal(['mid', 'alpha', 'zeta']);
    });
  });

  it('refuses to compile an operator the engine does not know, instead of failing requests later', async () => {
    // Validation never lets one through; compileRuleset is the last line, not the first.
    const definition = ruleset([rule('odd', { all: [{ fact: 'age', operator: 'between', value: 65 }] })]) as unknown as RulesetDefinition;
    const compiling = compileRuleset(definition, { name: 'x', version: '1.0.0', hash: 'h' });

    await compiling.then(
      () => expect.fail('compiled an unknown operator'),
      (err: unknown) => expect((err as Error).message).to.equal('Unknown operator: between'),
    );
  });

  describe('cross-check with json-rules-engine (clinical-rules validate)', () => {
    it('keeps a file whose tests the reference engine decides the same way', async () => {
      const checked = await checkRulesetFile(fileURLToPath(SHIPPED_PATH), 'rules/1.0.0.json');
      expect(await crossCheckWithReference(checked)).to.equal(checked);
    });

    it('rejects a file, naming the test, when the compiled rules decide otherwise than the reference', async () => {
      const checked = await checkRulesetFile(fileURLToPath(SHIPPED_PATH), 'rules/1.0.0.json');
      const compiled = checked.compiled as CompiledRuleset;
      // A compiler that forgot the priority order: the reference must catch it.
      const broken: CompiledRuleset = { ...compiled, decide: (facts) => ({ ...compiled.decide(facts), recommendations: [...compiled.decide(facts).recommendations].reverse() }) };
      const result = await crossCheckWithReference({ ...checked, compiled: broken });
      expect(result.compiled).to.equal(undefined);
      expect(result.problems.map((p) => p.pointer)).to.deep.equal(['/tests/10']);
      expect(result.problems[0]?.message).to.include('the compiled rules and json-rules-engine decide differently');
    });
  });

  describe('concurrency', () => {
    // Patients that fire different mixes of the three rules, at three priority levels.
    /** Starts run i after i microtask turns, so runs overlap at every stage of each other. */
    async function staggered<T>(count: number, run: (i: number) => Promise<T>): Promise<T[]> {
      return Promise.all(
        Array.from({ length: count }, async (_, i) => {
          for (let turn = 0; turn < i; turn++) await Promise.resolve();
          return run(i);
        }),
      );
    }

    const patients = Array.from({ length: 50 }, (_, i) =>
      patient({ age: 60 + (i % 12), bmi: 25 + (i % 9), chronic_pain: i % 2 === 0, recent_surgery: i % 3 === 0 }),
    );

    it('completes 50 overlapping evaluations, each with every rule that should fire', async () => {
      const expected = [];
      for (const p of patients) expected.push(await shipped.evaluate(p));
      const overlapping = await staggered(patients.length, (i) => shipped.evaluate(patients[i] ?? patient({ age: 1 })));
      expect(overlapping).to.deep.equal(expected);
      expect(expected.filter((d) => d.recommendations.length >= 2)).to.have.length.greaterThan(5);
    });

    it('detects the hazard it guards against: one shared Engine drops rules when runs overlap', async () => {
      const bytes = readFileSync(SHIPPED_PATH);
      const def = (await checkRulesetBytes(bytes, 'rules/1.0.0.json')).compiled?.definition;
      const engine = new Engine(
        (def?.rules ?? []).map((r) => ({ name: r.id, priority: r.priority, conditions: r.conditions, event: { type: r.recommendation.code } })),
        { allowUndefinedFacts: true },
      );
      const facts = patients.map((p) => ({ age: p.age, bmi: p.bmi, chronic_pain: p.chronic_pain, recent_surgery: p.recent_surgery }));
      const sequential = [];
      for (const f of facts) sequential.push((await engine.run(f)).events.length);
      const overlapping = (await staggered(facts.length, (i) => engine.run(facts[i]))).map((r) => r.events.length);
      expect(overlapping.reduce((a, b) => a + b, 0)).to.be.lessThan(sequential.reduce((a, b) => a + b, 0));
    });
  });
});
