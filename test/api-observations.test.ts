import { expect } from 'chai';
import path from 'node:path';
import { PROJECT_ROOT } from '../core/platform/paths.js';
import { expectMatchesSpec } from './helpers/openapi-contract.js';
import { startTestService, uniquePatientId, type TestService } from './helpers/api-service.js';

/** The fixture ruleset 2.0.0 declares smoker (boolean), pain_score (number) and activity_level (string). */
const OBSERVATIONS_RULES = path.join(PROJECT_ROOT, 'test', 'fixtures', 'rules', 'observations');
const DECLARED = 'declared observations: smoker (boolean), pain_score (number), activity_level (string)';

interface ProblemBody {
  status: number;
  detail: string;
  errors: Array<{ path: string; message: string }>;
}

describe('POST /evaluate observations, checked against the active ruleset', () => {
  let svc: TestService;
  before(async () => {
    svc = await startTestService({ RULES_DIR: OBSERVATIONS_RULES });
  });
  after(async () => svc.stop());

  const evaluate = (body: Record<string, unknown>) => svc.http.post('/evaluate').set('Authorization', `Bearer ${svc.token()}`).send(body);
  const history = async (patientId: string) =>
    (await svc.http.get(`/patients/${patientId}/recommendations`).set('Authorization', `Bearer ${svc.token()}`)).body as { items: unknown[] };

  function expectProblem(res: { status: number; headers: Record<string, string>; body: unknown }): ProblemBody {
    expect(res.status, JSON.stringify(res.body)).to.equal(400);
    expect(res.headers['content-type']).to.match(/^application\/problem\+json/);
    expectMatchesSpec(res, '/evaluate', 'post');
    return res.body as ProblemBody;
  }

  it('returns 400 naming a key the ruleset does not declare, suggesting the declared one, and stores nothing', async () => {
    const patientId = uniquePatientId();
    const res = await evaluate({ patient_id: patientId, age: 50, observations: { smokr: true } });

    const body = expectProblem(res);
    expect(body.errors).to.deep.equal([{ path: '/body/observations/smokr', message: `not declared by ruleset 2.0.0 (did you mean "smoker"?); ${DECLARED}` }]);
    expect(body.detail).to.equal(`observation "smokr" does not match what ruleset 2.0.0 declares; ${DECLARED}`);
    expect((await history(patientId)).items).to.deep.equal([]);
  });

  it('returns 400 naming a value of another type than declared, without echoing the value', async () => {
    const patientId = uniquePatientId();
    const res = await evaluate({ patient_id: patientId, age: 50, observations: { smoker: 'yes-VALUECANARY', pain_score: 8 } });

    const body = expectProblem(res);
    expect(body.errors).to.deep.equal([
      { path: '/body/observations/smoker', message: `must be a boolean, as ruleset 2.0.0 declares it, got a string; ${DECLARED}` },
    ]);
    expect(res.text).to.not.include('VALUECANARY');
    expect((await history(patientId)).items).to.deep.equal([]);
  });

  it('names every offending key at once', async () => {
    const res = await evaluate({ patient_id: uniquePatientId(), age: 50, observations: { pain_score: 'high', diabetic: true, activity_level: 'low' } });
    const body = expectProblem(res);
    expect(body.errors.map((e) => e.path)).to.deep.equal(['/body/observations/pain_score', '/body/observations/diabetic']);
    expect(body.detail).to.match(/^observations "pain_score", "diabetic" do not match what ruleset 2\.0\.0 declares; /);
  });

  it('does not take an Object.prototype name for a declared observation', async () => {
    const res = await evaluate({ patient_id: uniquePatientId(), age: 50, observations: { toString: 'x', hasOwnProperty: true } });
    const body = expectProblem(res);
    expect(body.errors.map((e) => e.path)).to.deep.equal(['/body/observations/toString', '/body/observations/hasOwnProperty']);
  });

  it('returns 201 and uses declared observations of the declared types', async () => {
    const res = await evaluate({ patient_id: uniquePatientId(), age: 50, observations: { smoker: true, pain_score: 8, activity_level: 'sedentary' } });

    expect(res.status, res.text).to.equal(201);
    expectMatchesSpec(res, '/evaluate', 'post');
    expect(res.body.ruleset).to.include({ version: '2.0.0' });
    expect(res.body.recommendations.map((r: { code: string }) => r.code)).to.include.members(['SMOKING_CESSATION', 'PAIN_MANAGEMENT']);
  });
});

describe('POST /evaluate observations under a ruleset that declares none', () => {
  let svc: TestService;
  before(async () => {
    svc = await startTestService();
  });
  after(async () => svc.stop());

  it('returns 400 for any observation, saying that the ruleset declares none', async () => {
    const res = await svc.http
      .post('/evaluate')
      .set('Authorization', `Bearer ${svc.token()}`)
      .send({ patient_id: uniquePatientId(), age: 70, chronic_pain: true, observations: { smoker: true } });

    expect(res.status, res.text).to.equal(400);
    expectMatchesSpec(res, '/evaluate', 'post');
    expect(res.body.errors).to.deep.equal([{ path: '/body/observations/smoker', message: 'not declared by ruleset 1.0.0; it declares no observations' }]);
  });

  it('returns 201 without observations, and with an empty observations object', async () => {
    const res = await svc.http.post('/evaluate').set('Authorization', `Bearer ${svc.token()}`).send({ patient_id: uniquePatientId(), age: 70, chronic_pain: true, observations: {} });
    expect(res.status, res.text).to.equal(201);
    expect(res.body.recommendation).to.equal('Physical Therapy');
  });
});
