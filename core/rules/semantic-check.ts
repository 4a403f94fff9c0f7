import semver from 'semver';
import { checkConditions } from './condition-check.js';
import { forEachInSlices, type Pause } from './in-slices.js';
import { kindOf, pointer, type ProblemList } from './problem.js';
import { factTypes, RESERVED_FACT_NAMES, type RulesetDefinition } from './ruleset-format.js';
import { closest } from './suggest.js';

/**
 * What the JSON Schema cannot say: facts and operators exist, values fit
 * their facts, ids and codes are unique, and test cases refer to real codes
 * and declared observations. Expects a file that passed the schema. A
 * message refers to other places in the file by pointer, never by quoting
 * them (DESIGN.md: errors never quote file content). Rules and tests are
 * checked a slice at a time, pausing between slices (hot reload).
 */
export async function checkSemantics(def: RulesetDefinition, problems: ProblemList, pause?: Pause): Promise<void> {
  if (semver.valid(def.version) === null) problems.add('/version', 'must be a semantic version (MAJOR.MINOR.PATCH)');

  const observations = new Map(Object.entries(def.observations ?? {}));
  for (const name of observations.keys()) {
    if (RESERVED_FACT_NAMES.has(name)) problems.add(pointer('observations', name), 'this name is a request field; an observation may not shadow it');
  }

  const facts = factTypes(def);
  const ruleIds = new Map<string, number>();
  const codes = new Map<string, number>();
  await forEachInSlices(def.rules, (rule, i) => {
    const at = pointer('rules', i);
    const sameId = ruleIds.get(rule.id);
    if (sameId !== undefined) problems.add(`${at}/id`, `duplicate rule id (also ${pointer('rules', sameId, 'id')})`);
    else ruleIds.set(rule.id, i);

    const { code } = rule.recommendation;
    const owner = codes.get(code);
    if (owner !== undefined) problems.add(`${at}/recommendation/code`, `duplicate code (also ${pointer('rules', owner, 'recommendation', 'code')})`);
    else codes.set(code, i);

    checkConditions(rule.conditions, `${at}/conditions`, facts, problems);
  }, pause);

  await forEachInSlices(def.tests ?? [], (test, i) => {
    const at = pointer('tests', i);
    test.expect.forEach((code, j) => {
      if (codes.has(code)) return;
      const near = closest(code, codes.keys());
      const hint = near === undefined ? '' : `; did you mean ${pointer('rules', codes.get(near) ?? -1, 'recommendation', 'code')}?`;
      problems.add(`${at}/expect/${j}`, `no rule gives this code${hint}`);
    });
    for (const [key, value] of Object.entries(test.patient.observations ?? {})) {
      const keyAt = `${at}/patient${pointer('observations', key)}`;
      const declared = observations.get(key);
      if (declared === undefined) {
        const near = closest(key, observations.keys());
        const hint = near === undefined ? '' : `; did you mean ${pointer('observations', near)}?`;
        problems.add(keyAt, `observation not declared in /observations${hint}`);
      } else if (typeof value !== declared.type) {
        problems.add(keyAt, `must be a ${declared.type}, as ${pointer('observations', key)} declares; got ${kindOf(value)}`);
      }
    }
  }, pause);
}
