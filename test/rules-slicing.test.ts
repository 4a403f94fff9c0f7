import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { expect } from 'chai';
import { generatedRuleset } from '../bench/generated-ruleset.js';
import { RULESET_SCHEMA_PATH } from '../core/platform/paths.js';
import { compileRuleset } from '../core/rules/compiled-ruleset.js';
import { checkDepth } from '../core/rules/depth-check.js';
import { VALUES_PER_SLICE } from '../core/rules/in-slices.js';
import { jsonSyntaxError } from '../core/rules/json-syntax.js';
import { ProblemList } from '../core/rules/problem.js';
import { activeStatus } from '../core/rules/registry-status.js';
import { checkRulesetBytes } from '../core/rules/ruleset-file.js';
import { byPriorityThenId, type RulesetDefinition } from '../core/rules/ruleset-format.js';
import { runRulesetTests, TESTS_PER_SLICE } from '../core/rules/ruleset-tests.js';
import { checkSchema, schemaErrors } from '../core/rules/schema-check.js';
import { checkSemantics } from '../core/rules/semantic-check.js';
import { shippedLoose } from './fixtures/rules/ruleset-builders.js';

/** A pause that counts: how many times a step gave the event loop a turn. */
function countingPause(): { pause: () => Promise<void>; count: () => number } {
  let n = 0;
  return { pause: async () => void (n += 1), count: () => n };
}

/** A generated ruleset as a fresh parsed document (no shared objects between tests). */
function generated(rules: number): RulesetDefinition {
  return JSON.parse(JSON.stringify(generatedRuleset(rules, '1.0.0'))) as RulesetDefinition;
}

/** A small seeded generator, so a failing case can be rerun. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

/** Breaks a document in a few random places: wrong types, missing and unknown keys, nulls. */
function broken(seed: number): unknown {
  const next = random(seed);
  const doc = { ...shippedLoose(), rules: [...shippedLoose().rules, ...(generated(20).rules as unknown as Array<Record<string, unknown>>)] };
  const containers: Array<Record<string, unknown> | unknown[]> = [];
  const walk = (value: unknown) => {
    if (value === null || typeof value !== 'object') return;
    containers.push(value as Record<string, unknown> | unknown[]);
    for (const child of Object.values(value)) walk(child);
  };
  walk(doc);
  const replacements: unknown[] = [null, 7, 2.5, 'text', true, [], {}, [1, 'a'], { fact: 'age' }];
  for (let m = 0; m < 1 + Math.floor(next() * 4); m += 1) {
    const target = containers[Math.floor(next() * containers.length)] as Record<string, unknown>;
    const keys = Object.keys(target);
    const key = keys[Math.floor(next() * keys.length)];
    const action = next();
    if (key === undefined || action < 0.2) target[`unknown${m}`] = 1;
    else if (action < 0.4 && !Array.isArray(target)) delete target[key];
    else target[key] = replacements[Math.floor(next() * replacements.length)];
  }
  return doc;
}

describe('ruleset checks in slices (hot reload must not hold up requests)', () => {
  it('reports exactly the schema errors of one Ajv call over the whole document, in the same order', async () => {
    const schema = JSON.parse(readFileSync(RULESET_SCHEMA_PATH, 'utf8')) as object;
    const whole = new Ajv2020({ allErrors: true, verbose: true, strict: true, strictTypes: false, strictRequired: false }).compile(schema);
    const fields = (e: { instancePath: string; schemaPath: string; keyword: string; params: object; message?: string; propertyName?: string; data?: unknown }) => ({
      instancePath: e.instancePath,
      schemaPath: e.schemaPath,
      keyword: e.keyword,
      params: e.params,
      message: e.message,
      propertyName: e.propertyName,
      data: e.data,
    });
    let failing = 0;
    for (let seed = 1; seed <= 300; seed += 1) {
      const doc = broken(seed);
      const expected = whole(doc) ? [] : (whole.errors ?? []).map(fields);
      if (expected.length > 0) failing += 1;
      expect((await schemaErrors(doc, async () => undefined)).map(fields), `seed ${seed}`).to.deep.equal(expected);
    }
    for (const doc of [null, [], 'text', {}, { rules: {} }, { rules: [] }, { name: 'x', version: '1.0.0', rules: [5], tests: 3 }]) {
      const expected = whole(doc) ? [] : (whole.errors ?? []).map(fields);
      expect((await schemaErrors(doc, async () => undefined)).map(fields), JSON.stringify(doc)).to.deep.equal(expected);
    }
    // Most broken documents must really be broken, or the comparison proves little.
    expect(failing).to.be.greaterThan(200);
  });

  it('checks depth, schema, semantics and embedded tests a slice at a time, pausing between slices', async () => {
    const doc = generated(1000);
    const depth = countingPause();
    expect(await checkDepth(doc, new ProblemList('x'), depth.pause)).to.equal(true);
    const values = (function count(value: unknown): number {
      return value !== null && typeof value === 'object' ? 1 + Object.values(value).reduce((n: number, v) => n + count(v), 0) : 1;
    })(doc);
    // A pause once VALUES_PER_SLICE values are behind, counted an object's children at a time.
    expect(depth.count()).to.be.within(Math.floor(values / (2 * VALUES_PER_SLICE)), Math.floor(values / VALUES_PER_SLICE));

    const schema = countingPause();
    expect(await checkSchema(doc, new ProblemList('x'), schema.pause)).to.equal(true);
    expect(schema.count()).to.equal(3);

    const semantics = countingPause();
    const problems = new ProblemList('x');
    await checkSemantics(doc, problems, semantics.pause);
    expect(problems.items).to.deep.equal([]);
    expect(semantics.count()).to.equal(3);

    const tests = countingPause();
    const cases = Array.from({ length: 4 * TESTS_PER_SLICE }, (_, i) => ({ name: `case ${i}`, patient: { age: 10 + i }, expect: [] }));
    const outcomes = await runRulesetTests(await compileRuleset(doc, { name: 'x', version: '1.0.0', hash: 'h' }), cases, tests.pause);
    expect(outcomes.map((o) => o.index)).to.deep.equal(cases.map((_, i) => i));
    expect(tests.count()).to.equal(3);
  });

  it('locates a syntax error in a large broken file a slice at a time', async () => {
    const text = JSON.stringify(generated(1000));
    const scan = countingPause();
    const error = await jsonSyntaxError(text.slice(0, -3), scan.pause);

    expect(error).to.deep.equal({ line: 1, column: text.length - 2, expected: '"," or "}", but the file ends' });
    expect(scan.count()).to.be.greaterThan(0);
  });

  it('lists the rules of a newly active version for GET /rules a slice at a time, once', async () => {
    const compiled = await compileRuleset(generated(1000), { name: 'x', version: '1.0.0', hash: 'h' });
    const listing = countingPause();
    const status = await activeStatus(compiled, new Date(0), listing.pause);

    expect(status.rules).to.have.length(1000);
    // In the order decisions report fired rules in (the generated file is not in that order).
    const reportOrder = [...compiled.definition.rules].sort(byPriorityThenId).map((rule) => rule.id);
    expect(status.rules.map((rule) => rule.id)).to.deep.equal(reportOrder);
    expect(reportOrder).to.not.deep.equal(compiled.definition.rules.map((rule) => rule.id));
    expect(status.loaded_at).to.equal('1970-01-01T00:00:00.000Z');
    expect(listing.count()).to.equal(3);
  });

  it('lets other callbacks run all through the check of a large file, not only between its steps', async () => {
    const rules = 2000;
    const bytes = Buffer.from(JSON.stringify(generatedRuleset(rules, '1.0.0')));
    let turns = 0;
    let ticking = true;
    const tick = () => {
      turns += 1;
      if (ticking) setImmediate(tick);
    };
    setImmediate(tick);
    const checked = await checkRulesetBytes(bytes, 'large.json');
    ticking = false;

    expect(checked.problems).to.deep.equal([]);
    // Canonical form, schema, semantics and compile each pause after every 250 rules (7 times each for
    // 2,000 rules), and the check pauses 7 times between its steps; the depth check adds a few more.
    expect(turns).to.be.at.least(4 * (rules / 250 - 1) + 7);
  });
});
