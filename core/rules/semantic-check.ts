import semver from 'semver';
import { checkConditions } from './condition-check.js';
import { pointer, type ProblemList } from './problem.js';
import { factTypes, RESERVED_FACT_NAMES, type RulesetDefinition } from './ruleset-format.js';
import { didYouMean } from './suggest.js';

/**
 * What the JSON Schema cannot say: facts and operators exist, values fit
 * their facts, ids and codes are unique, and test cases refer to real codes
 * and declared observations. Expects a file that passed the schema.
 */
export function checkSemantics(def: RulesetDefinition, problems: ProblemList): void {
  if (semver.valid(def.version) === null) problems.add('/version', `"${def.version}" is not a semantic version`);

  for (const name of Object.keys(def.observations ?? {})) {
    if (RESERVED_FACT_NAMES.has(name)) {
      problems.add(pointer('observations', name), `"${name}" is a request field; an observation may not shadow it`);
    }
  }

  const facts = factTypes(def);
  const ruleIds = new Map<string, number>();
  const codes = new Map<string, string>();
  def.rules.forEach((rule, i) => {
    const at = pointer('rules', i);
    const sameId = ruleIds.get(rule.id);
    if (sameId !== undefined) problems.add(`${at}/id`, `duplicate rule id "${rule.id}" (also ${pointer('rules', sameId)})`);
    else ruleIds.set(rule.id, i);

    const { code } = rule.recommendation;
    const owner = codes.get(code);
    if (owner !== undefined) problems.add(`${at}/recommendation/code`, `code "${code}" is already given by rule "${owner}"`);
    else codes.set(code, rule.id);

    checkConditions(rule.conditions, `${at}/conditions`, facts, problems);
  });

  const observations = def.observations ?? {};
  (def.tests ?? []).forEach((test, i) => {
    const at = pointer('tests', i);
    test.expect.forEach((code, j) => {
      if (!codes.has(code)) problems.add(`${at}/expect/${j}`, `no rule gives code "${code}"${didYouMean(code, codes.keys())}`);
    });
    for (const [key, value] of Object.entries(test.patient.observations ?? {})) {
      const keyAt = `${at}/patient${pointer('observations', key)}`;
      const declared = observations[key];
      if (declared === undefined) {
        problems.add(keyAt, `observation "${key}" is not declared in /observations${didYouMean(key, Object.keys(observations))}`);
      } else if (typeof value !== declared.type) {
        problems.add(keyAt, `observation "${key}" is declared as a ${declared.type}, got ${JSON.stringify(value)}`);
      }
    }
  });
}
