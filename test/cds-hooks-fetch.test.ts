import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { expectMatchesSpec } from './helpers/openapi-contract.js';
import { startTestService, uniquePatientId, type TestService } from './helpers/api-service.js';
import { aChronicPainCondition, anObservation, aPatient, aSurgicalProcedure, bornYearsAgo, startFhirServer, utcDaysFromToday, type FhirStandIn } from './helpers/fhir-server.js';

const HOOK_PATH = '/cds-services/clinical-recommendations';
const FHIR_TOKEN = 'ehr-issued-access-token-for-the-cds-service';

/** A patient-view call that leaves the data to be read from the stand-in EHR's FHIR server. */
function fetchingCall(fhir: FhirStandIn, patientId: string, prefetch?: Record<string, unknown>) {
  return {
    hook: 'patient-view',
    hookInstance: randomUUID(),
    fhirServer: fhir.baseUrl,
    fhirAuthorization: { access_token: FHIR_TOKEN, token_type: 'Bearer', expires_in: 300, scope: 'user/Patient.read user/Observation.read user/Condition.read user/Procedure.read', subject: 'clinical-recommendations' },
    context: { userId: 'Practitioner/example', patientId },
    ...(prefetch !== undefined ? { prefetch } : {}),
  };
}

/** Puts a 70-year-old with chronic pain, a BMI of 32 and surgery 5 days ago on the stand-in server. */
function seedPatient(fhir: FhirStandIn, patientId: string): void {
  fhir.add(
    aPatient(patientId, bornYearsAgo(70)),
    anObservation(patientId, 'bmi', 32, 'kg/m2', '2026-01-10T09:30:00+01:00'),
    aChronicPainCondition(patientId, 'active'),
    aSurgicalProcedure(patientId, { performedPeriod: { start: `${utcDaysFromToday(-5)}T08:00:00Z`, end: `${utcDaysFromToday(-5)}T10:30:00Z` } }),
  );
}

describe('CDS Hooks: reading from the EHR FHIR server', () => {
  let fhir: FhirStandIn;
  let svc: TestService;
  before(async () => {
    fhir = await startFhirServer();
    svc = await startTestService({ CDS_FHIR_TIMEOUT_MS: '500' });
  });
  after(async () => {
    await svc.stop();
    await fhir.close();
  });

  const post = (body: unknown) => svc.http.post(HOOK_PATH).set('Authorization', `Bearer ${svc.token()}`).send(body as object);
  const readsFor = (patientId: string) => fhir.requests.filter((r) => r.url.includes(encodeURIComponent(patientId)) || r.url.includes(patientId));
  const history = async (patientId: string) =>
    (await svc.http.get(`/patients/${patientId}/recommendations`).set('Authorization', `Bearer ${svc.token()}`)).body.items as unknown[];

  it('reads every key it was not sent, with the access token as a Bearer token', async () => {
    const patientId = uniquePatientId();
    seedPatient(fhir, patientId);
    const res = await post(fetchingCall(fhir, patientId));

    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    expectMatchesSpec(res, HOOK_PATH, 'post');
    expect(res.body.cards.map((c: { summary: string }) => c.summary)).to.deep.equal(['Post-Op Rehabilitation Plan', 'Physical Therapy', 'Weight Management Program']);
    const reads = readsFor(patientId);
    expect(reads.map((r) => new URL(r.url, 'http://x').pathname).sort()).to.deep.equal(['/fhir/Condition', '/fhir/Observation', `/fhir/Patient/${patientId}`, '/fhir/Procedure']);
    for (const read of reads) {
      expect(read.authorization).to.equal(`Bearer ${FHIR_TOKEN}`);
      expect(read.accept).to.equal('application/fhir+json');
    }
    const vitals = new URL(reads.find((r) => r.url.startsWith('/fhir/Observation'))?.url ?? '', 'http://x');
    expect(vitals.searchParams.get('code')).to.contain('http://loinc.org|39156-5');
  });

  it('reads only what the prefetch left out', async () => {
    const patientId = uniquePatientId();
    seedPatient(fhir, patientId);
    const res = await post(fetchingCall(fhir, patientId, { patient: aPatient(patientId, bornYearsAgo(40)), vitals: null, procedures: null }));
    expect(res.status).to.equal(200);
    expect(readsFor(patientId).map((r) => new URL(r.url, 'http://x').pathname)).to.deep.equal(['/fhir/Condition']);
    // 40 years old: the prefetched patient decided, chronic pain alone fires nothing.
    expect(res.body.cards).to.deep.equal([]);
  });

  it('sends no Authorization header when the EHR gave no access token', async () => {
    const patientId = uniquePatientId();
    seedPatient(fhir, patientId);
    const { fhirAuthorization: _, ...body } = fetchingCall(fhir, patientId);
    const res = await post(body);
    expect(res.status).to.equal(200);
    expect(readsFor(patientId).every((r) => r.authorization === undefined)).to.equal(true);
  });

  it('follows a searchset next link on the same server', async () => {
    const patientId = uniquePatientId();
    fhir.add(aPatient(patientId, bornYearsAgo(30)), anObservation(patientId, 'height', 180, 'cm', '2026-01-01'), anObservation(patientId, 'weight', 110, 'kg', '2026-01-01'));
    fhir.behave('Observation', 'paged');
    try {
      const res = await post(fetchingCall(fhir, patientId));
      expect(res.status).to.equal(200);
      expect(res.body.cards.map((c: { summary: string }) => c.summary)).to.deep.equal(['Weight Management Program']);
      expect(readsFor(patientId).filter((r) => r.url.startsWith('/fhir/Observation'))).to.have.length(2);
    } finally {
      fhir.behave('Observation', 'ok');
    }
  });

  it('412 when the FHIR server does not know the patient', async () => {
    const patientId = uniquePatientId();
    const res = await post(fetchingCall(fhir, patientId));
    expect(res.status).to.equal(412);
    expect(res.headers['content-type']).to.match(/^application\/problem\+json/);
    expect(res.body.detail).to.contain('patient');
    expect(await history(patientId)).to.deep.equal([]);
  });

  it('412, not 5xx, when the FHIR server answers 500', async () => {
    const patientId = uniquePatientId();
    seedPatient(fhir, patientId);
    fhir.behave('Condition', 'error500');
    try {
      const res = await post(fetchingCall(fhir, patientId));
      expect(res.status).to.equal(412);
      expect(res.body.detail).to.contain('500');
      expectMatchesSpec(res, HOOK_PATH, 'post');
      expect(await history(patientId)).to.deep.equal([]);
    } finally {
      fhir.behave('Condition', 'ok');
    }
  });

  it('412 within CDS_FHIR_TIMEOUT_MS when the FHIR server hangs', async () => {
    const patientId = uniquePatientId();
    seedPatient(fhir, patientId);
    fhir.behave('Procedure', 'hang');
    try {
      const started = Date.now();
      const res = await post(fetchingCall(fhir, patientId));
      expect(res.status).to.equal(412);
      expect(res.body.detail).to.contain('500 ms');
      expect(Date.now() - started).to.be.lessThan(5000);
      expect(await history(patientId)).to.deep.equal([]);
    } finally {
      fhir.behave('Procedure', 'ok');
    }
  });

  it('412 when the FHIR server cannot be reached', async () => {
    const patientId = uniquePatientId();
    const res = await post({ ...fetchingCall(fhir, patientId), fhirServer: 'http://127.0.0.1:1/fhir' });
    expect(res.status).to.equal(412);
  });

  describe('with CDS_FHIR_SERVERS', () => {
    let limited: TestService;
    before(async () => {
      limited = await startTestService({ CDS_FHIR_SERVERS: 'https://ehr.example.org, https://other.example.org' });
    });
    after(async () => limited.stop());

    it('never contacts a FHIR server whose origin is not listed: 412', async () => {
      const patientId = uniquePatientId();
      seedPatient(fhir, patientId);
      const res = await limited.http.post(HOOK_PATH).set('Authorization', `Bearer ${limited.token()}`).send(fetchingCall(fhir, patientId));
      expect(res.status).to.equal(412);
      expect(res.body.detail).to.contain('CDS_FHIR_SERVERS');
      expect(readsFor(patientId)).to.deep.equal([]);
    });

    it('still answers from a complete prefetch', async () => {
      const patientId = uniquePatientId();
      const res = await limited.http
        .post(HOOK_PATH)
        .set('Authorization', `Bearer ${limited.token()}`)
        .send(fetchingCall(fhir, patientId, { patient: aPatient(patientId, bornYearsAgo(50)), vitals: null, conditions: null, procedures: null }));
      expect(res.status).to.equal(200);
      expect(readsFor(patientId)).to.deep.equal([]);
    });
  });
});
