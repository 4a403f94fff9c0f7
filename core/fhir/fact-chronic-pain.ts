import type { Condition } from 'fhir/r4.js';
import type { FhirFactsConfig } from './facts-config.js';
import { badFhir, codesIn, hasCoding, requireSubject, type Located } from './fhir-problems.js';

const CLINICAL_STATUS = 'http://terminology.hl7.org/CodeSystem/condition-clinical';
const VERIFICATION_STATUS = 'http://terminology.hl7.org/CodeSystem/condition-ver-status';

/**
 * `chronic_pain`: an active Condition coded as chronic pain. Active is read
 * from clinicalStatus (condition-clinical: active and its children
 * recurrence and relapse); a refuted or entered-in-error Condition never
 * counts. A chronic-pain Condition whose clinicalStatus is missing cannot be
 * told active or not, unless it has abated (FHIR con-4: then it is not).
 */
export function chronicPainFrom(conditions: ReadonlyArray<Located<Condition>>, config: FhirFactsConfig['chronicPain'], patientId: string): boolean {
  let found = false;
  for (const { resource, at } of conditions) {
    if (!hasCoding(resource.code, config.codes)) continue;
    requireSubject(resource.subject, patientId, at);
    const verification = codesIn(resource.verificationStatus, VERIFICATION_STATUS);
    if (verification.some((code) => config.excludedVerificationStatuses.includes(code))) continue;
    if (resource.clinicalStatus === undefined) {
      if (hasAbated(resource)) continue;
      throw badFhir(`${at}/clinicalStatus`, 'is missing: whether this chronic pain Condition is active cannot be told');
    }
    const clinical = codesIn(resource.clinicalStatus, CLINICAL_STATUS);
    if (clinical.length === 0) throw badFhir(`${at}/clinicalStatus/coding`, `has no code of ${CLINICAL_STATUS}`);
    if (clinical.some((code) => config.activeClinicalStatuses.includes(code))) found = true;
  }
  return found;
}

function hasAbated(condition: Condition): boolean {
  return (
    condition.abatementDateTime !== undefined ||
    condition.abatementPeriod !== undefined ||
    condition.abatementAge !== undefined ||
    condition.abatementRange !== undefined ||
    condition.abatementString !== undefined
  );
}
