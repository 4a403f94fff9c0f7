import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Bundle, Condition, FhirResource, Observation, Patient, Procedure } from 'fhir/r4.js';

/**
 * A stand-in for an EHR's FHIR R4 server (the EHR is outside the service):
 * node http on a free port, answering reads and searches by resource type
 * from what a test puts in it, the way a FHIR server would (searchset
 * Bundles, application/fhir+json, 404 OperationOutcome for an unknown
 * Patient). It records every request, so a test can check the token the
 * service sent; `behave` makes a type answer 500, hang, or page.
 */
export interface RecordedRequest {
  method: string;
  url: string;
  authorization?: string;
  accept?: string;
}

export type Behaviour = 'ok' | 'error500' | 'hang' | 'paged';

export interface FhirStandIn {
  /** The base URL to send as `fhirServer`. */
  baseUrl: string;
  requests: RecordedRequest[];
  add(...resources: FhirResource[]): void;
  behave(resourceType: string, behaviour: Behaviour): void;
  close(): Promise<void>;
}

export async function startFhirServer(): Promise<FhirStandIn> {
  const resources: FhirResource[] = [];
  const behaviours = new Map<string, Behaviour>();
  const requests: RecordedRequest[] = [];
  const hanging = new Set<ServerResponse>();
  let baseUrl = '';

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', authorization: req.headers.authorization, accept: req.headers.accept });
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const [, prefix, type, id] = url.pathname.split('/');
    if (prefix !== 'fhir' || type === undefined) return send(res, 404, outcome('not-found', 'unknown path'));
    const behaviour = behaviours.get(type) ?? 'ok';
    if (behaviour === 'hang') {
      hanging.add(res);
      return;
    }
    if (behaviour === 'error500') return send(res, 500, outcome('exception', 'database unavailable'));
    const patient = id ?? url.searchParams.get('patient') ?? '';
    if (id !== undefined) {
      const found = resources.find((r) => r.resourceType === type && r.id === id);
      return found ? send(res, 200, found) : send(res, 404, outcome('not-found', `${type}/${id} is not known`));
    }
    const matches = resources.filter((r) => r.resourceType === type && (r as { subject?: { reference?: string } }).subject?.reference === `Patient/${patient}`);
    if (behaviour === 'paged' && url.searchParams.get('page') !== '2') {
      const next = `${baseUrl}/${type}?patient=${patient}&page=2`;
      return send(res, 200, searchset(matches.slice(0, 1), next));
    }
    send(res, 200, searchset(behaviour === 'paged' ? matches.slice(1) : matches));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/fhir`;

  return {
    baseUrl,
    requests,
    add: (...more) => void resources.push(...more),
    behave: (type, behaviour) => void behaviours.set(type, behaviour),
    close: async () => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/fhir+json; charset=utf-8' });
  res.end(JSON.stringify(body));
}

function outcome(code: string, diagnostics: string) {
  return { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code, diagnostics }] };
}

// Realistic FHIR R4 resources, shaped as EHRs send them (Synthea-like), for tests to build on.

const LOINC = 'http://loinc.org';
const SNOMED = 'http://snomed.info/sct';
const UCUM = 'http://unitsofmeasure.org';

export function searchset(resources: FhirResource[], next?: string): Bundle {
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    total: resources.length,
    ...(next !== undefined ? { link: [{ relation: 'next', url: next }] } : {}),
    entry: resources.map((resource) => ({ fullUrl: `urn:uuid:${resource.id ?? 'x'}`, resource, search: { mode: 'match' } })),
  };
}

export function aPatient(id: string, birthDate: string | undefined): Patient {
  return {
    resourceType: 'Patient',
    id,
    meta: { versionId: '1', lastUpdated: '2026-01-02T10:00:00Z' },
    identifier: [{ system: 'urn:oid:1.2.36.146.595.217.0.1', value: `MRN-${id}` }],
    active: true,
    name: [{ use: 'official', family: 'Chalmers', given: ['Peter', 'James'] }],
    gender: 'male',
    ...(birthDate !== undefined ? { birthDate } : {}),
  };
}

export type Vital = 'bmi' | 'weight' | 'height';
const VITALS: Record<Vital, { code: string; display: string }> = {
  bmi: { code: '39156-5', display: 'Body mass index (BMI) [Ratio]' },
  weight: { code: '29463-7', display: 'Body weight' },
  height: { code: '8302-2', display: 'Body height' },
};

export function anObservation(patientId: string, vital: Vital, value: number, unit: string, effectiveDateTime: string, extra: Partial<Observation> = {}): Observation {
  return {
    resourceType: 'Observation',
    id: `obs-${vital}-${Math.random().toString(36).slice(2, 8)}`,
    status: 'final',
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs', display: 'Vital Signs' }] }],
    code: { coding: [{ system: LOINC, code: VITALS[vital].code, display: VITALS[vital].display }], text: VITALS[vital].display },
    subject: { reference: `Patient/${patientId}` },
    effectiveDateTime,
    issued: effectiveDateTime.length > 10 ? effectiveDateTime : `${effectiveDateTime}T12:00:00Z`,
    valueQuantity: { value, unit, system: UCUM, code: unit },
    ...extra,
  };
}

export function aChronicPainCondition(patientId: string, clinicalStatus: string | undefined, extra: Partial<Condition> = {}): Condition {
  return {
    resourceType: 'Condition',
    id: `cond-${Math.random().toString(36).slice(2, 8)}`,
    ...(clinicalStatus !== undefined
      ? { clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: clinicalStatus }] } }
      : {}),
    verificationStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-ver-status', code: 'confirmed' }] },
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-category', code: 'problem-list-item' }] }],
    code: { coding: [{ system: SNOMED, code: '82423001', display: 'Chronic pain' }], text: 'Chronic pain' },
    subject: { reference: `Patient/${patientId}` },
    onsetDateTime: '2019-04-01',
    recordedDate: '2019-04-02',
    ...extra,
  };
}

export function aSurgicalProcedure(patientId: string, performed: Partial<Procedure>, status: Procedure['status'] = 'completed'): Procedure {
  return {
    resourceType: 'Procedure',
    id: `proc-${Math.random().toString(36).slice(2, 8)}`,
    status,
    category: { coding: [{ system: SNOMED, code: '387713003', display: 'Surgical procedure' }] },
    code: { coding: [{ system: SNOMED, code: '80146002', display: 'Appendectomy' }], text: 'Appendectomy' },
    subject: { reference: `Patient/${patientId}` },
    ...performed,
  };
}

/** `YYYY-MM-DD` of the UTC day `days` days from today (negative: in the past). */
export function utcDaysFromToday(days: number): string {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + days)).toISOString().slice(0, 10);
}

/** A birthDate that makes the patient exactly `years` old today (UTC). */
export function bornYearsAgo(years: number, dayOffset = 0): string {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear() - years, now.getUTCMonth(), now.getUTCDate() + dayOffset)).toISOString().slice(0, 10);
}
