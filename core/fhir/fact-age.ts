import type { Patient } from 'fhir/r4.js';
import type { Range } from './facts-config.js';
import { badFhir, type Located } from './fhir-problems.js';
import { parseFhirDate, utcDay, wholeYears } from './fhir-time.js';

/**
 * `age`: whole years from Patient.birthDate to the call's date (UTC). A
 * partial birthDate ("1950") is used only when every day it may mean gives
 * the same age; otherwise the age would be a guess.
 */
export function ageFrom({ resource, at }: Located<Patient>, today: string, range: Range): number {
  if (resource.birthDate === undefined) throw badFhir(`${at}/birthDate`, 'is missing: the age cannot be known');
  const born = parseFhirDate(resource.birthDate);
  if (born === undefined) throw badFhir(`${at}/birthDate`, `${JSON.stringify(resource.birthDate).slice(0, 40)} is not a FHIR date (YYYY, YYYY-MM or YYYY-MM-DD)`);
  const first = utcDay(born.earliest);
  const last = utcDay(born.latest);
  if (first > today) throw badFhir(`${at}/birthDate`, `${resource.birthDate} is in the future`);
  if (last > today) throw badFhir(`${at}/birthDate`, `${resource.birthDate} is too imprecise: it may be after ${today}`);
  const oldest = wholeYears(first, today);
  const youngest = wholeYears(last, today);
  if (oldest !== youngest) throw badFhir(`${at}/birthDate`, `${resource.birthDate} is too imprecise: the age on ${today} may be ${youngest} or ${oldest}`);
  if (oldest < range.min || oldest > range.max) throw badFhir(`${at}/birthDate`, `gives an implausible age of ${oldest} (expected ${range.min}-${range.max})`);
  return oldest;
}
