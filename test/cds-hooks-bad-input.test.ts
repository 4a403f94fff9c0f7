import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import type { Response } from 'supertest';
import { expectMatchesSpec } from './helpers/openapi-contract.js';
import { startTestService, uniquePatientId, type TestService } from './helpers/api-service.js';
import { aChronicPainCondition, anObservation, aPatient, aSurgicalProcedure, searchset, utcDaysFromToday } from './helpers/fhir-server.js';

const HOOK_PATH = '/cds-services/clinical-recommendations';

/**
 * Every bad hook call is a 400 or 412 problem naming what is wrong, and no
 * recommendation is ever made from it: a fact is read from FHIR or not at all.
 */
describe('CDS Hooks: bad input', () => {
  let svc: TestService;
  before(async () => {
    svc = await startTestService();
  });
  after(async () => svc.stop());

  const post = (body: unknown) => svc.http.post(HOOK_PATH).set('Authorization', `Bearer ${svc.token()}`).send(body as object);
  const call = (patientId: string, prefetch: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
    post({ hook: 'patient-view', hookInstance: randomUUID(), context: { userId: 'Practitioner/example', patientId }, prefetch, ...extra });

  async function expectRefused(res: Response, status: 400 | 412, patientId: string | undefined, path?: string): Promise<void> {
    expect(res.status, JSON.stringify(res.body)).to.equal(status);
    expect(res.headers['content-type']).to.match(/^application\/problem\+json/);
    expect(res.body.detail).to.be.a('string');
    expectMatchesSpec(res, HOOK_PATH, 'post');
    if (path !== undefined) expect(res.body.errors.map((e: { path: string }) => e.path)).to.include(path);
    if (patientId !== undefined) {
      const history = await svc.http.get(`/patients/${patientId}/recommendations`).set('Authorization', `Bearer ${svc.token()}`);
      expect(history.body.items, 'no recommendation may be stored').to.deep.equal([]);
    }
  }

  describe('malformed requests', () => {
    it('rejects a body without hook, hookInstance or context', async () => {
      const res = await post({ prefetch: {} });
      await expectRefused(res, 400, undefined);
      const paths = res.body.errors.map((e: { path: string }) => e.path).join(' ');
      for (const field of ['hook', 'hookInstance', 'context']) expect(paths).to.contain(field);
    });

    it('rejects another hook than patient-view', async () => {
      const patientId = uniquePatientId();
      await expectRefused(await call(patientId, {}, { hook: 'order-sign' }), 400, patientId);
    });

    it('rejects a context without patientId, or with one that is not a FHIR id', async () => {
      await expectRefused(await post({ hook: 'patient-view', hookInstance: randomUUID(), context: { userId: 'Practitioner/1' } }), 400, undefined);
      await expectRefused(await post({ hook: 'patient-view', hookInstance: randomUUID(), context: { userId: 'Practitioner/1', patientId: '../admin' } }), 400, undefined);
    });

    it('rejects fhirAuthorization without fhirServer', async () => {
      const patientId = uniquePatientId();
      const res = await call(patientId, { patient: aPatient(patientId, '1950-05-05') }, { fhirAuthorization: { access_token: 'x', token_type: 'Bearer', expires_in: 300, scope: 'user/*.read', subject: 'svc' } });
      await expectRefused(res, 400, patientId, '/body/fhirServer');
    });

    it('rejects a prefetch value that is not a resource, a Bundle or null', async () => {
      const patientId = uniquePatientId();
      await expectRefused(await call(patientId, { patient: 'Patient/1' }), 400, patientId);
    });
  });

  describe('wrong resources', () => {
    it('rejects an Observation where the Patient belongs', async () => {
      const patientId = uniquePatientId();
      await expectRefused(await call(patientId, { patient: anObservation(patientId, 'bmi', 25, 'kg/m2', '2026-01-01') }), 400, patientId, '/prefetch/patient/resourceType');
    });

    it('rejects a Patient whose id is not the context patientId', async () => {
      const patientId = uniquePatientId();
      await expectRefused(await call(patientId, { patient: aPatient('someone-else', '1950-01-01') }), 400, patientId, '/prefetch/patient/id');
    });

    it('rejects a Condition inside the vitals Bundle', async () => {
      const patientId = uniquePatientId();
      const res = await call(patientId, { patient: aPatient(patientId, '1950-01-01'), vitals: searchset([aChronicPainCondition(patientId, 'active')]) });
      await expectRefused(res, 400, patientId, '/prefetch/vitals/entry/0/resource/resourceType');
    });

    it('rejects a Bundle that is not a searchset', async () => {
      const patientId = uniquePatientId();
      const res = await call(patientId, { patient: aPatient(patientId, '1950-01-01'), conditions: { ...searchset([]), type: 'transaction' } });
      await expectRefused(res, 400, patientId, '/prefetch/conditions/type');
    });

    it("rejects data that belongs to another patient", async () => {
      const patientId = uniquePatientId();
      const res = await call(patientId, { patient: aPatient(patientId, '1950-01-01'), conditions: searchset([aChronicPainCondition('someone-else', 'active')]) });
      await expectRefused(res, 400, patientId, '/prefetch/conditions/entry/0/resource/subject/reference');
    });
  });

  describe('resources missing what a fact needs', () => {
    it('412 when the patient is neither prefetched nor readable', async () => {
      const patientId = uniquePatientId();
      await expectRefused(await call(patientId, { conditions: null }), 412, patientId);
      await expectRefused(await call(patientId, { patient: null }), 412, patientId);
    });

    it('400 for a Patient without birthDate, or one too vague for a whole age', async () => {
      const patientId = uniquePatientId();
      await expectRefused(await call(patientId, { patient: aPatient(patientId, undefined) }), 400, patientId, '/prefetch/patient/birthDate');
      // Born "sometime in" last year's twelve months ago: 0 or 1 year old today, so no whole age.
      const year = String(new Date().getUTCFullYear() - 1);
      await expectRefused(await call(patientId, { patient: aPatient(patientId, year) }), 400, patientId, '/prefetch/patient/birthDate');
    });

    it('400 for a chronic pain Condition without clinicalStatus', async () => {
      const patientId = uniquePatientId();
      const res = await call(patientId, { patient: aPatient(patientId, '1950-01-01'), conditions: searchset([aChronicPainCondition(patientId, undefined)]) });
      await expectRefused(res, 400, patientId, '/prefetch/conditions/entry/0/resource/clinicalStatus');
    });

    it('400 for a surgical Procedure with no performed time, or one too vague for the window', async () => {
      const patientId = uniquePatientId();
      const base = { patient: aPatient(patientId, '1950-01-01') };
      await expectRefused(await call(patientId, { ...base, procedures: searchset([aSurgicalProcedure(patientId, {})]) }), 400, patientId, '/prefetch/procedures/entry/0/resource/performedDateTime');
      const month = utcDaysFromToday(-30).slice(0, 7);
      const vague = await call(patientId, { ...base, procedures: searchset([aSurgicalProcedure(patientId, { performedDateTime: month })]) });
      // A month that straddles the cut-off day cannot say; one that does not is decided (and this one may not straddle on the 1st).
      if (utcDaysFromToday(-30).slice(8) !== '01') await expectRefused(vague, 400, patientId, '/prefetch/procedures/entry/0/resource/performedDateTime');
    });

    it('400 for a BMI Observation without a value, or in a unit it cannot convert', async () => {
      const patientId = uniquePatientId();
      const base = { patient: aPatient(patientId, '1950-01-01') };
      const noValue = anObservation(patientId, 'bmi', 25, 'kg/m2', '2026-01-01');
      delete noValue.valueQuantity;
      await expectRefused(await call(patientId, { ...base, vitals: searchset([noValue]) }), 400, patientId, '/prefetch/vitals/entry/0/resource/valueQuantity');
      await expectRefused(await call(patientId, { ...base, vitals: searchset([anObservation(patientId, 'weight', 80, 'stone', '2026-01-01'), anObservation(patientId, 'height', 180, 'cm', '2026-01-01')]) }), 400, patientId, '/prefetch/vitals/entry/0/resource/valueQuantity/code');
    });
  });

  describe('absurd values', () => {
    it('400 for a birthDate in the future', async () => {
      const patientId = uniquePatientId();
      await expectRefused(await call(patientId, { patient: aPatient(patientId, utcDaysFromToday(3)) }), 400, patientId, '/prefetch/patient/birthDate');
    });

    it('400 for an age over 130', async () => {
      const patientId = uniquePatientId();
      await expectRefused(await call(patientId, { patient: aPatient(patientId, '1850-01-01') }), 400, patientId, '/prefetch/patient/birthDate');
    });

    it('400 for a BMI of 900', async () => {
      const patientId = uniquePatientId();
      const res = await call(patientId, { patient: aPatient(patientId, '1950-01-01'), vitals: searchset([anObservation(patientId, 'bmi', 900, 'kg/m2', '2026-01-01')]) });
      await expectRefused(res, 400, patientId, '/prefetch/vitals/entry/0/resource/valueQuantity/value');
    });

    it('400 for weight and height that give an implausible BMI', async () => {
      const patientId = uniquePatientId();
      const res = await call(patientId, {
        patient: aPatient(patientId, '1950-01-01'),
        vitals: searchset([anObservation(patientId, 'weight', 650, 'kg', '2026-01-01'), anObservation(patientId, 'height', 50, 'cm', '2026-01-01')]),
      });
      await expectRefused(res, 400, patientId);
    });

    it('400 for a completed surgery performed in the future', async () => {
      const patientId = uniquePatientId();
      const res = await call(patientId, { patient: aPatient(patientId, '1950-01-01'), procedures: searchset([aSurgicalProcedure(patientId, { performedDateTime: `${utcDaysFromToday(20)}T10:00:00Z` })]) });
      await expectRefused(res, 400, patientId, '/prefetch/procedures/entry/0/resource/performedDateTime');
    });

    it('ignores a BMI Observation that was entered in error rather than using it', async () => {
      const patientId = uniquePatientId();
      const res = await call(patientId, { patient: aPatient(patientId, '1950-01-01'), vitals: searchset([anObservation(patientId, 'bmi', 40, 'kg/m2', '2026-01-01', { status: 'entered-in-error' })]) });
      expect(res.status).to.equal(200);
      expect(res.body.cards).to.deep.equal([]);
    });
  });

  it('412 when the EHR reports that it could not prefetch (an OperationOutcome) and no server can be read', async () => {
    const patientId = uniquePatientId();
    const outcome = { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'timeout', diagnostics: 'search timed out' }] };
    await expectRefused(await call(patientId, { patient: aPatient(patientId, '1950-01-01'), conditions: outcome }), 412, patientId);
  });
});
