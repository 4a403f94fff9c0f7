import type { CodeableConcept, Reference } from 'fhir/r4.js';
import { AppError } from '../platform/errors.js';
import type { Coding } from './facts-config.js';
import { parseFhirDateTime, type FhirTime } from './fhir-time.js';

/**
 * How FHIR input goes wrong, said with the JSON pointer of the offending
 * value (`/prefetch/vitals/entry/2/resource/valueQuantity/code` for
 * prefetched data, `/fhirServer/vitals/...` for what was read from the EHR).
 */

/** A resource is malformed, of the wrong type, or lacks what a fact needs: 400. */
export function badFhir(at: string, message: string): AppError {
  return new AppError('VALIDATION', `FHIR data at ${at}: ${message}`, [{ path: at, message }]);
}

/** The data cannot be had (not sent, and not readable from the EHR): 412, as CDS Hooks asks. */
export function fhirUnavailable(message: string): AppError {
  return new AppError('PRECONDITION_FAILED', message);
}

/** A resource as found, with where it was found for error messages. */
export interface Located<T> {
  resource: T;
  at: string;
}

export function hasCoding(concept: CodeableConcept | undefined, codes: readonly Coding[]): boolean {
  return (concept?.coding ?? []).some((c) => codes.some((wanted) => wanted.system === c.system && wanted.code === c.code));
}

/** The codes of one code system in a concept. */
export function codesIn(concept: CodeableConcept | undefined, system: string): string[] {
  return (concept?.coding ?? []).filter((c) => c.system === system && typeof c.code === 'string').map((c) => c.code as string);
}

/**
 * Checks that a resource's subject, when it names one, is the patient of the
 * call: data of another patient must never decide this one's cards.
 */
export function requireSubject(subject: Reference | undefined, patientId: string, at: string): void {
  const reference = subject?.reference;
  if (reference === undefined) return;
  const parts = reference.replace(/\/_history\/[^/]+$/, '').split('/');
  const [type, id] = parts.slice(-2);
  if (type !== 'Patient' || id !== patientId) throw badFhir(`${at}/subject/reference`, `refers to ${reference}, not Patient/${patientId}`);
}

/** A `dateTime` at `at`, or a 400 saying it is not one. */
export function requireDateTime(raw: unknown, at: string): FhirTime {
  const time = parseFhirDateTime(raw);
  if (time === undefined) throw badFhir(at, `${JSON.stringify(raw).slice(0, 40)} is not a FHIR dateTime`);
  return time;
}
