import type { Condition, FhirResource, Observation, Patient, Procedure } from 'fhir/r4.js';
import { resolveTemplate, type PrefetchKey } from './cds-service.js';
import { badFhir, fhirUnavailable, type Located } from './fhir-problems.js';
import { searchResults, type SearchResults } from './search-results.js';

/**
 * The FHIR data of one hook call, from its prefetch where the EHR sent it and
 * from the EHR's FHIR server where it did not. Null means the EHR has no such
 * data (never fetched); a key left out is fetched when a server can be read,
 * and without one means no data, except for the patient, which must be had.
 */
export interface HookFhirData {
  patient: Located<Patient>;
  vitals: Array<Located<Observation>>;
  conditions: Array<Located<Condition>>;
  procedures: Array<Located<Procedure>>;
}

/** Reads a path relative to the FHIR server's base, or an absolute URL on it (a next page); throws a 412 AppError. */
export type FhirReader = (pathOrUrl: string, what: string) => Promise<unknown>;

/** Where missing data could come from: a reader, or why there is none. */
export type FhirSource = { read: FhirReader } | { unreadable: string } | { none: true };

/** Pages followed per key at most: a prefetch template asks for a bounded search anyway. */
const MAX_PAGES = 10;

const TYPES: Record<PrefetchKey, FhirResource['resourceType']> = {
  patient: 'Patient',
  vitals: 'Observation',
  conditions: 'Condition',
  procedures: 'Procedure',
};

export async function gatherHookData(
  patientId: string,
  prefetch: Readonly<Record<string, unknown>> | undefined,
  templates: Readonly<Record<PrefetchKey, string>>,
  source: FhirSource,
): Promise<HookFhirData> {
  const load = async <T extends FhirResource>(key: PrefetchKey): Promise<Array<Located<T>>> => {
    const type = TYPES[key] as T['resourceType'];
    let results: SearchResults<T>;
    let at = `/prefetch/${key}`;
    if (prefetch !== undefined && Object.hasOwn(prefetch, key)) {
      results = searchResults<T>(prefetch[key], type, at);
    } else {
      if (!('read' in source)) {
        if (key === 'patient' || 'unreadable' in source) throw fhirUnavailable(missing(key, source));
        return [];
      }
      at = `/fhirServer/${key}`;
      results = searchResults<T>(await source.read(resolveTemplate(templates[key], patientId), key), type, at);
    }
    if (results.kind === 'failed') throw fhirUnavailable(`${key}: ${results.reason}`);
    const items = [...results.items];
    for (let page = 1; results.next !== undefined; page += 1) {
      if (!('read' in source)) throw fhirUnavailable(`${key} is paged and no readable fhirServer was given for the rest`);
      if (page >= MAX_PAGES) throw fhirUnavailable(`${key} has more than ${MAX_PAGES} pages`);
      at = `/fhirServer/${key}/page/${page}`;
      results = searchResults<T>(await source.read(results.next, key), type, at);
      if (results.kind === 'failed') throw fhirUnavailable(`${key}: ${results.reason}`);
      items.push(...results.items);
    }
    return items;
  };

  const [patients, vitals, conditions, procedures] = await Promise.all([
    load<Patient>('patient'),
    load<Observation>('vitals'),
    load<Condition>('conditions'),
    load<Procedure>('procedures'),
  ]);
  return { patient: onlyPatient(patients, patientId), vitals, conditions, procedures };
}

function onlyPatient(patients: Array<Located<Patient>>, patientId: string): Located<Patient> {
  const [patient, other] = patients;
  if (patient === undefined) throw fhirUnavailable(`Patient/${patientId} is not in the prefetch or on the FHIR server`);
  if (other !== undefined) throw badFhir(other.at, 'a second Patient: the patient must be one resource');
  if (patient.resource.id !== undefined && patient.resource.id !== patientId) {
    throw badFhir(`${patient.at}/id`, `is ${JSON.stringify(patient.resource.id).slice(0, 70)}, not the context's patientId ${patientId}`);
  }
  return patient;
}

function missing(key: PrefetchKey, source: { unreadable: string } | { none: true }): string {
  const why = 'unreadable' in source ? source.unreadable : 'no fhirServer was given';
  return `${key === 'patient' ? 'the patient' : key} is not in the prefetch and cannot be read: ${why}`;
}
