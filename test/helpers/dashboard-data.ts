import { randomUUID } from 'node:crypto';
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

export interface CdsPatient {
  id: string;
  birthDate: string;
  chronicPain?: boolean;
  bmi?: number;
  surgeryDaysAgo?: number;
}

/** A CDS Hooks patient-view call whose prefetch carries this patient's FHIR R4 data. */
export function cdsPatientView(patient: CdsPatient, now = new Date()): Record<string, unknown> {
  const subject = { reference: `Patient/${patient.id}` };
  const searchset = (resources: unknown[]) => ({ resourceType: 'Bundle', type: 'searchset', entry: resources.map((resource) => ({ resource })) });
  const snomed = (code: string) => ({ coding: [{ system: 'http://snomed.info/sct', code }] });
  return {
    hook: 'patient-view',
    hookInstance: randomUUID(),
    context: { userId: 'Practitioner/dashboard-test', patientId: patient.id },
    prefetch: {
      patient: { resourceType: 'Patient', id: patient.id, birthDate: patient.birthDate },
      vitals: searchset(
        patient.bmi === undefined
          ? []
          : [{
              resourceType: 'Observation', id: `${patient.id}-bmi`, status: 'final', subject, effectiveDateTime: now.toISOString(),
              code: { coding: [{ system: 'http://loinc.org', code: '39156-5' }] },
              valueQuantity: { value: patient.bmi, unit: 'kg/m2', system: 'http://unitsofmeasure.org', code: 'kg/m2' },
            }],
      ),
      conditions: searchset(
        patient.chronicPain
          ? [{
              resourceType: 'Condition', id: `${patient.id}-pain`, subject, code: snomed('82423001'),
              clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] },
            }]
          : [],
      ),
      procedures: searchset(
        patient.surgeryDaysAgo === undefined
          ? []
          : [{
              resourceType: 'Procedure', id: `${patient.id}-surgery`, status: 'completed', subject, category: snomed('387713003'),
              code: snomed('80146002'), performedDateTime: new Date(now.getTime() - patient.surgeryDaysAgo * 86_400_000).toISOString(),
            }],
      ),
    },
  };
}
