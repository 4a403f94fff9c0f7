import type { FhirFactsConfig } from './facts-config.js';
import { ageFrom } from './fact-age.js';
import { bmiFrom } from './fact-bmi.js';
import { chronicPainFrom } from './fact-chronic-pain.js';
import { recentSurgeryFrom } from './fact-recent-surgery.js';
import { utcDay } from './fhir-time.js';
import type { HookFhirData } from './hook-data.js';

/** The request facts a CDS Hooks call gives the rules, as POST /evaluate would take them. */
export interface FhirFacts {
  age: number;
  bmi?: number;
  chronic_pain: boolean;
  recent_surgery: boolean;
}

/**
 * FHIR R4 resources to facts, at the call's date (UTC). Pure: no I/O, no
 * HTTP. Anything it cannot decide without guessing is thrown as a 400 naming
 * the resource and field.
 */
export function factsFromFhir(data: HookFhirData, config: FhirFactsConfig, patientId: string, now: Date): FhirFacts {
  const facts: FhirFacts = {
    age: ageFrom(data.patient, utcDay(now.getTime()), config.age.range),
    chronic_pain: chronicPainFrom(data.conditions, config.chronicPain, patientId),
    recent_surgery: recentSurgeryFrom(data.procedures, config.recentSurgery, patientId, now),
  };
  const bmi = bmiFrom(data.vitals, config.bmi, patientId, now);
  if (bmi !== undefined) facts.bmi = bmi;
  return facts;
}
