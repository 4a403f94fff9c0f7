import type autocannon from 'autocannon';
import { drive, type Length, type Target } from './load.js';
import type { Slice } from './slices.js';

/**
 * The `cds-hooks` scenario: patient-view calls with every prefetch key filled
 * as an EHR would (a Patient and searchset Bundles of realistic FHIR R4
 * Observations, Conditions and Procedures), so the service reads no FHIR
 * server and the figure is the hook's own cost against POST /evaluate's.
 *
 * The bodies are built before the load, like POST /evaluate's; only the
 * hookInstance changes per request (a repeat would be an idempotent replay,
 * a cheaper path than a new call), spliced between two prebuilt halves.
 */
const DISTINCT_PATIENTS = 1000;
const DAY_MS = 86_400_000;

export function cdsHooks(target: Target, length: Length): Promise<Slice> {
  return drive('POST /cds-services (patient-view)', { url: target.url, connections: target.connections, ...length, requests: hookRequests(target) });
}

function hookRequests(target: Target): autocannon.Request[] {
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${target.token}` };
  const run = Math.random().toString(36).slice(2, 10);
  let sent = 0;
  return Array.from({ length: DISTINCT_PATIENTS }, (_, i) => {
    const [before, after] = JSON.stringify(hookCall(`bench-${run}-${i}`, i)).split('"__HOOK_INSTANCE__"') as [string, string];
    return {
      method: 'POST',
      path: '/cds-services/clinical-recommendations',
      headers,
      body: `${before}"${run}-${i}"${after}`,
      setupRequest: (request: autocannon.Request) => ({ ...request, body: `${before}"${run}-${(sent += 1)}"${after}` }),
    };
  });
}

const LOINC = 'http://loinc.org';
const SNOMED = 'http://snomed.info/sct';
const UCUM = 'http://unitsofmeasure.org';

/** One chart: ages 20-89, BMIs 18-40 (or weight and height only), chronic pain and recent surgery in some. */
function hookCall(patientId: string, i: number) {
  const day = (daysAgo: number) => new Date(Date.now() - daysAgo * DAY_MS).toISOString().slice(0, 10);
  const subject = { reference: `Patient/${patientId}` };
  const observation = (code: string, display: string, value: number, unit: string, daysAgo: number) => ({
    resourceType: 'Observation',
    id: `${patientId}-${code}-${daysAgo}`,
    status: 'final',
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }],
    code: { coding: [{ system: LOINC, code, display }] },
    subject,
    effectiveDateTime: `${day(daysAgo)}T09:30:00Z`,
    valueQuantity: { value, unit, system: UCUM, code: unit },
  });
  const bmi = 18 + (i % 23);
  const vitals = [
    observation('29463-7', 'Body weight', 60 + (i % 50), 'kg', 400),
    observation('8302-2', 'Body height', 160 + (i % 30), 'cm', 400),
    observation('29463-7', 'Body weight', 130 + (i % 100), '[lb_av]', 20),
    observation('8302-2', 'Body height', 63 + (i % 12), '[in_i]', 20),
    ...(i % 4 === 0 ? [] : [observation('39156-5', 'Body mass index (BMI) [Ratio]', bmi, 'kg/m2', 20)]),
  ];
  const condition = (code: string, display: string, status: string) => ({
    resourceType: 'Condition',
    id: `${patientId}-${code}`,
    clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: status }] },
    verificationStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-ver-status', code: 'confirmed' }] },
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-category', code: 'problem-list-item' }] }],
    code: { coding: [{ system: SNOMED, code, display }] },
    subject,
    onsetDateTime: '2019-04-01',
  });
  const conditions = [condition('38341003', 'Hypertension', 'active'), condition('44054006', 'Diabetes mellitus type 2', 'active'), condition('82423001', 'Chronic pain', i % 3 === 0 ? 'active' : 'resolved')];
  const procedure = (daysAgo: number) => ({
    resourceType: 'Procedure',
    id: `${patientId}-proc-${daysAgo}`,
    status: 'completed',
    category: { coding: [{ system: SNOMED, code: '387713003', display: 'Surgical procedure' }] },
    code: { coding: [{ system: SNOMED, code: '80146002', display: 'Appendectomy' }] },
    subject,
    performedPeriod: { start: `${day(daysAgo)}T08:00:00Z`, end: `${day(daysAgo)}T09:10:00Z` },
  });
  const searchset = (resources: unknown[]) => ({ resourceType: 'Bundle', type: 'searchset', total: resources.length, entry: resources.map((resource) => ({ resource, search: { mode: 'match' } })) });
  return {
    hook: 'patient-view',
    hookInstance: '__HOOK_INSTANCE__',
    context: { userId: 'Practitioner/bench', patientId },
    prefetch: {
      patient: { resourceType: 'Patient', id: patientId, gender: i % 2 === 0 ? 'female' : 'male', birthDate: day(365.25 * (20 + (i % 70)) + 10) },
      vitals: searchset(vitals),
      conditions: searchset(conditions),
      procedures: searchset(i % 5 === 0 ? [procedure(10), procedure(900)] : [procedure(900)]),
    },
  };
}
