import type { FhirFactsConfig } from './facts-config.js';

/**
 * The one CDS Hooks service this API offers, as discovery describes it. The
 * prefetch keys are fixed by the contract; the queries follow from
 * rules/fhir/facts.json, so a code added there is also asked for.
 */
export const SERVICE_ID = 'clinical-recommendations';
export const HOOK = 'patient-view';

export type PrefetchKey = 'patient' | 'vitals' | 'conditions' | 'procedures';

export interface CdsServiceDescription {
  hook: string;
  id: string;
  title: string;
  description: string;
  prefetch: Record<PrefetchKey, string>;
}

const PATIENT_TOKEN = '{{context.patientId}}';

export function prefetchTemplates(config: FhirFactsConfig): Record<PrefetchKey, string> {
  const { bmi, weight, height } = config.bmi;
  const vitalCodes = [...bmi.codes, ...weight.codes, ...height.codes].map((c) => `${c.system}|${c.code}`).join(',');
  return {
    patient: `Patient/${PATIENT_TOKEN}`,
    vitals: `Observation?patient=${PATIENT_TOKEN}&code=${vitalCodes}&_sort=-date&_count=100`,
    conditions: `Condition?patient=${PATIENT_TOKEN}&clinical-status=${config.chronicPain.activeClinicalStatuses.join(',')}`,
    procedures: `Procedure?patient=${PATIENT_TOKEN}&status=${config.recentSurgery.statuses.join(',')}`,
  };
}

export function describeService(config: FhirFactsConfig): CdsServiceDescription {
  return {
    hook: HOOK,
    id: SERVICE_ID,
    title: 'Clinical recommendations',
    description:
      'Evaluates the patient against the active clinical ruleset when the chart opens: physical therapy, weight management and post-operative rehabilitation, from age, BMI, chronic pain and recent surgery.',
    prefetch: prefetchTemplates(config),
  };
}

/** A template with the patient filled in, as a FHIR server path relative to its base: `Observation?patient=123&code=...`. */
export function resolveTemplate(template: string, patientId: string): string {
  const [path = '', query] = template.split('?');
  const resolvedPath = path.replace(PATIENT_TOKEN, encodeURIComponent(patientId));
  if (query === undefined) return resolvedPath;
  const params = new URLSearchParams();
  for (const pair of query.split('&')) {
    const [name = '', value = ''] = pair.split('=');
    params.append(name, value.replace(PATIENT_TOKEN, patientId));
  }
  return `${resolvedPath}?${params.toString()}`;
}
