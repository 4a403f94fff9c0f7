import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { signToken } from '../core/auth/sign-token.js';
import { expectMatchesSpec } from './helpers/openapi-contract.js';
import { startTestService, uniquePatientId, type TestService } from './helpers/api-service.js';
import { aChronicPainCondition, anObservation, aPatient, aSurgicalProcedure, bornYearsAgo, searchset, utcDaysFromToday } from './helpers/fhir-server.js';

const HOOK_PATH = '/cds-services/clinical-recommendations';

/** A patient-view call built like the specification's example, with everything prefetched. */
export function hookCall(patientId: string, prefetch: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return { hook: 'patient-view', hookInstance: randomUUID(), context: { userId: 'Practitioner/example', patientId }, prefetch, ...extra };
}

describe('CDS Hooks: discovery and patient-view', () => {
  let svc: TestService;
  before(async () => {
    svc = await startTestService();
  });
  after(async () => svc.stop());

  const call = (body: unknown, token = svc.token()) => svc.http.post(HOOK_PATH).set('Authorization', `Bearer ${token}`).send(body as object);
  const history = async (patientId: string) =>
    (await svc.http.get(`/patients/${patientId}/recommendations`).set('Authorization', `Bearer ${svc.token()}`)).body.items as Array<Record<string, unknown>>;

  describe('GET /cds-services', () => {
    it('describes the patient-view service and its prefetch templates without a token', async () => {
      const res = await svc.http.get('/cds-services');
      expect(res.status).to.equal(200);
      expectMatchesSpec(res, '/cds-services', 'get');
      const [service] = res.body.services;
      expect(service).to.include({ id: 'clinical-recommendations', hook: 'patient-view' });
      expect(service.title).to.be.a('string').and.not.equal('');
      expect(service.description).to.be.a('string').and.not.equal('');
      expect(service.prefetch.patient).to.equal('Patient/{{context.patientId}}');
      expect(service.prefetch.vitals).to.match(/^Observation\?patient=\{\{context\.patientId\}\}/);
      for (const code of ['39156-5', '29463-7', '8302-2']) expect(service.prefetch.vitals).to.contain(`http://loinc.org|${code}`);
      expect(service.prefetch.conditions).to.match(/^Condition\?patient=\{\{context\.patientId\}\}&clinical-status=active/);
      expect(service.prefetch.procedures).to.equal('Procedure?patient={{context.patientId}}&status=completed');
      expect(res.headers['access-control-allow-origin']).to.equal('*');
    });

    it('answers a browser preflight for the hook', async () => {
      const res = await svc.http.options(HOOK_PATH).set('Origin', 'https://sandbox.cds-hooks.org').set('Access-Control-Request-Method', 'POST');
      expect(res.status).to.equal(204);
      expect(res.headers['access-control-allow-headers']).to.contain('Authorization');
    });
  });

  describe('POST /cds-services/clinical-recommendations', () => {
    it('returns a Physical Therapy card for a 70-year-old with active chronic pain, stored with its provenance', async () => {
      const patientId = uniquePatientId();
      const body = hookCall(patientId, {
        patient: aPatient(patientId, bornYearsAgo(70)),
        vitals: null,
        conditions: searchset([aChronicPainCondition(patientId, 'active')]),
        procedures: searchset([]),
      });
      const res = await call(body);

      expect(res.status).to.equal(200);
      expectMatchesSpec(res, HOOK_PATH, 'post');
      expect(res.body.cards).to.have.length(1);
      const [card] = res.body.cards;
      expect(card).to.include({ summary: 'Physical Therapy', indicator: 'info' });
      expect(card.uuid).to.match(/^[0-9a-f-]{36}$/);
      expect(card.detail).to.contain('age 70').and.contain('chronic');
      expect(card.source.label).to.match(/^clinical-recommendations \d+\.\d+\.\d+/);

      const [stored] = await history(patientId);
      expect(stored?.patient_id).to.equal(patientId);
      expect(stored?.origin).to.deep.equal({ source: 'cds-hooks', hook: 'patient-view', hook_instance: body.hookInstance, cards: [{ uuid: card.uuid, code: 'PHYSICAL_THERAPY' }] });
      // Audited and counted by the worker, but the patient is not notified: the clinician saw a card.
      await svc.processed(stored?.id as string);
      expect(await svc.service.store.getAudit(stored?.id as string)).to.include({ recommendation: 'Physical Therapy' });
      const read = await svc.http.get(`/recommendation/${String(stored?.id)}`).set('Authorization', `Bearer ${svc.token()}`);
      expect(read.body.notifications).to.deep.equal([]);
      expectMatchesSpec(read, '/recommendation/{id}', 'get');
      // Correlated by ids only: no patient id, no clinical value in the application log.
      const logged = JSON.stringify(svc.logs);
      expect(logged).to.contain(String(stored?.id)).and.not.contain(patientId);
      expect(logged).not.to.contain(bornYearsAgo(70));
    });

    it('answers {cards: []} when no rule fires, and still stores the decision', async () => {
      const patientId = uniquePatientId();
      const res = await call(hookCall(patientId, { patient: aPatient(patientId, bornYearsAgo(40)), vitals: null, conditions: null, procedures: null }));
      expect(res.status).to.equal(200);
      expect(res.body).to.deep.equal({ cards: [] });
      expect(await history(patientId)).to.have.length(1);
    });

    it('treats a prefetch key the EHR left out, with no fhirServer, as no data, and ignores keys it did not ask for', async () => {
      const patientId = uniquePatientId();
      const res = await call(hookCall(patientId, { patient: aPatient(patientId, bornYearsAgo(80)), user: 'Practitioner/123' }));
      expect(res.status).to.equal(200);
      expect(res.body.cards).to.deep.equal([]);
    });

    it('takes a chart of hundreds of resources (bodies up to 1 MiB), and refuses a larger one with 413', async () => {
      const patientId = uniquePatientId();
      const old = Array.from({ length: 300 }, (_, i) => aSurgicalProcedure(patientId, { performedDateTime: `20${String(10 + (i % 10))}-0${1 + (i % 9)}-1${i % 10}` }));
      const chart = hookCall(patientId, { patient: aPatient(patientId, bornYearsAgo(50)), procedures: searchset(old) });
      expect(JSON.stringify(chart).length).to.be.greaterThan(128 * 1024);
      const res = await call(chart);
      expect(res.status).to.equal(200);
      expect(res.body.cards).to.deep.equal([]);
      const huge = hookCall(patientId, { patient: aPatient(patientId, bornYearsAgo(50)), procedures: searchset([...old, ...old, ...old, ...old, ...old, ...old, ...old, ...old]) });
      expect(JSON.stringify(huge).length).to.be.greaterThan(1024 * 1024);
      const refused = await call(huge).catch((err: { response?: { status: number } }) => err.response);
      expect(refused?.status).to.equal(413);
    });

    it('orders cards by priority and derives BMI from the latest weight and height in pounds and inches', async () => {
      const patientId = uniquePatientId();
      const vitals = searchset([
        anObservation(patientId, 'weight', 150, '[lb_av]', '2024-01-01'),
        anObservation(patientId, 'weight', 231.5, '[lb_av]', '2026-01-05T08:00:00Z'), // 105 kg
        anObservation(patientId, 'height', 69, '[in_i]', '2025-06-01'), // 175.26 cm -> BMI 34.2
      ]);
      const res = await call(
        hookCall(patientId, {
          patient: aPatient(patientId, bornYearsAgo(70)),
          vitals,
          conditions: searchset([aChronicPainCondition(patientId, 'recurrence')]),
          procedures: searchset([aSurgicalProcedure(patientId, { performedDateTime: `${utcDaysFromToday(-3)}T10:00:00Z` })]),
        }),
      );
      expect(res.status).to.equal(200);
      expect(res.body.cards.map((c: { summary: string }) => c.summary)).to.deep.equal(['Post-Op Rehabilitation Plan', 'Physical Therapy', 'Weight Management Program']);
      expect(res.body.cards[2].detail).to.contain('34.2');
    });

    it('prefers the latest BMI Observation over weight and height', async () => {
      const patientId = uniquePatientId();
      const vitals = searchset([
        anObservation(patientId, 'bmi', 35, 'kg/m2', '2025-01-01'),
        anObservation(patientId, 'bmi', 24.9, 'kg/m2', '2026-02-01'),
        anObservation(patientId, 'weight', 120, 'kg', '2026-02-01'),
        anObservation(patientId, 'height', 160, 'cm', '2026-02-01'),
      ]);
      const res = await call(hookCall(patientId, { patient: aPatient(patientId, bornYearsAgo(40)), vitals }));
      expect(res.body.cards).to.deep.equal([]);
    });

    it('counts surgery on the last day of the 30-day window, not the day before', async () => {
      const within = uniquePatientId();
      const before = uniquePatientId();
      const at = (patientId: string, day: string) =>
        hookCall(patientId, { patient: aPatient(patientId, bornYearsAgo(30)), procedures: searchset([aSurgicalProcedure(patientId, { performedPeriod: { start: `${day}T08:00:00Z`, end: day } })]) });
      const yes = await call(at(within, utcDaysFromToday(-30)));
      const no = await call(at(before, utcDaysFromToday(-31)));
      expect(yes.body.cards.map((c: { summary: string }) => c.summary)).to.deep.equal(['Post-Op Rehabilitation Plan']);
      expect(no.body.cards).to.deep.equal([]);
    });

    it('ignores resolved chronic pain, non-surgical and not completed procedures', async () => {
      const patientId = uniquePatientId();
      const recent = `${utcDaysFromToday(-2)}T10:00:00Z`;
      const res = await call(
        hookCall(patientId, {
          patient: aPatient(patientId, bornYearsAgo(75)),
          conditions: searchset([aChronicPainCondition(patientId, 'resolved'), aChronicPainCondition(patientId, 'active', { verificationStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-ver-status', code: 'entered-in-error' }] } })]),
          procedures: searchset([
            aSurgicalProcedure(patientId, { performedDateTime: recent }, 'in-progress'),
            { ...aSurgicalProcedure(patientId, { performedDateTime: recent }), category: { coding: [{ system: 'http://snomed.info/sct', code: '103693007', display: 'Diagnostic procedure' }] } },
          ]),
        }),
      );
      expect(res.status).to.equal(200);
      expect(res.body.cards).to.deep.equal([]);
    });

    it('replays the same cards for a repeated hookInstance, with one stored recommendation', async () => {
      const patientId = uniquePatientId();
      const body = hookCall(patientId, { patient: aPatient(patientId, bornYearsAgo(70)), conditions: searchset([aChronicPainCondition(patientId, 'active')]) });
      const first = await call(body);
      const again = await call(body);
      expect(again.status).to.equal(200);
      expect(again.body).to.deep.equal(first.body);
      expect(await history(patientId)).to.have.length(1);
    });

    it('refuses a repeated hookInstance for another patient with 422', async () => {
      const body = hookCall(uniquePatientId(), { patient: null });
      const firstPatient = body.context.patientId;
      body.prefetch = { patient: aPatient(firstPatient, bornYearsAgo(50)) };
      expect((await call(body)).status).to.equal(200);
      const other = uniquePatientId();
      const res = await call({ ...body, context: { ...body.context, patientId: other }, prefetch: { patient: aPatient(other, bornYearsAgo(50)) } });
      expect(res.status).to.equal(422);
    });

    it('lets a patient-scoped token call hooks only for its own patient', async () => {
      const own = uniquePatientId();
      const token = signToken(svc.config.jwt, { scopes: ['recommendations:write'], subject: 'patient-app', patient: own, expiresInSeconds: 300 });
      const mine = await call(hookCall(own, { patient: aPatient(own, bornYearsAgo(30)) }), token);
      const other = uniquePatientId();
      const theirs = await call(hookCall(other, { patient: aPatient(other, bornYearsAgo(30)) }), token);
      expect(mine.status).to.equal(200);
      expect(theirs.status).to.equal(403);
      expect(await history(other)).to.deep.equal([]);
    });

    it('needs a token with recommendations:write', async () => {
      const patientId = uniquePatientId();
      const anonymous = await svc.http.post(HOOK_PATH).send(hookCall(patientId, { patient: aPatient(patientId, '1950-01-01') }));
      const reader = await call(hookCall(patientId, { patient: aPatient(patientId, '1950-01-01') }), svc.token(['recommendations:read']));
      expect(anonymous.status).to.equal(401);
      expect(reader.status).to.equal(403);
    });
  });
});
