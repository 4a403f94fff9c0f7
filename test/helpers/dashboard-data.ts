import { copyFile, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PROJECT_ROOT } from '../../core/platform/paths.js';

/** The shipped ruleset, as on disk. */
export const SHIPPED_RULESET = path.join(PROJECT_ROOT, 'rules', '1.0.0.json');

interface RulesetJson {
  version: string;
  description?: string;
  rules: Array<{ id: string; description?: string; conditions: { all: Array<{ fact: string; value: unknown }> } }>;
  tests: Array<{ name: string; patient: Record<string, unknown>; expect: string[] }>;
}

/**
 * Version 1.1.0 of the shipped ruleset: weight management from BMI 27
 * instead of 30, so the mix of codes visibly changes when it goes live.
 * Its tests say so, so it passes validation.
 */
export async function writeRuleset110(dir: string): Promise<void> {
  const ruleset = JSON.parse(await readFile(SHIPPED_RULESET, 'utf8')) as RulesetJson;
  ruleset.version = '1.1.0';
  ruleset.description = 'As 1.0.0, with weight management from a BMI over 27.';
  const bmiRule = ruleset.rules.find((rule) => rule.id === 'high-bmi');
  const bmiCondition = bmiRule?.conditions.all.find((c) => c.fact === 'bmi');
  if (bmiRule === undefined || bmiCondition === undefined) throw new Error(`${SHIPPED_RULESET}: no high-bmi rule to derive 1.1.0 from`);
  bmiCondition.value = 27;
  bmiRule.description = 'A BMI over 27 calls for a weight management program.';
  ruleset.tests = ruleset.tests
    .filter((t) => !t.name.startsWith('bmi 30'))
    .concat([
      { name: 'bmi 27 is not over 27', patient: { age: 40, bmi: 27 }, expect: [] },
      { name: 'bmi 28 is over 27', patient: { age: 40, bmi: 28 }, expect: ['WEIGHT_MANAGEMENT_PROGRAM'] },
    ]);
  await writeFile(path.join(dir, '1.1.0.json'), JSON.stringify(ruleset, null, 2));
}

export async function copyShippedRuleset(dir: string): Promise<void> {
  await copyFile(SHIPPED_RULESET, path.join(dir, '1.0.0.json'));
}
