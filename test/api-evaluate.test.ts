import { expect } from 'chai';
import { expectMatchesSpec } from './helpers/openapi-contract.js';
import { startTestService, uniquePatientId, type TestService } from './helpers/api-service.js';
import { expectNotifiedOnEveryChannel } from './helpers/notifications.js';

describe('POST /evaluate', () => {
  let svc: TestService;
  before(async () => {
    svc = await startTestService();
  });
  after(async () => svc.stop());

  async function evaluate(body: Record<string, unknown>) {
    return svc.http.post('/evaluate').set('Authorization', `Bearer ${svc.token()}`).send(body);
  }

  it('returns 201, a Location and the whole recommendation for a patient over 65 with chronic pain', async () => {
    const patientId = uniquePatientId();
    const res = await evaluate({ patient_id: patientId, age: 70, chronic_pain: true });

    expect(res.status).to.equal(201);
    expect(res.headers.location).to.equal(`/recommendation/${res.body.id}`);
    expect(res.headers['x-request-id']).to.be.a('string').with.length.greaterThan(0);
    expectMatchesSpec(res, '/evaluate', 'post');
    expect(res.body.patient_id).to.equal(patientId);
    expect(res.body.recommendation).to.equal('Physical Therapy');
    expect(res.body.recommendations).to.have.length(1);
    expect(res.body.recommendations[0]).to.include({ code: 'PHYSICAL_THERAPY', title: 'Physical Therapy', rule: 'elderly-chronic-pain' });
    expect(res.body.recommendations[0].reasons).to.deep.equal(['age 70 > 65', 'chronic_pain is true']);
    expect(res.body.ruleset).to.include({ name: 'clinical-recommendations' });
    expect(res.body.ruleset.hash).to.match(/^sha256:[0-9a-f]{64}$/);
    expect(Date.parse(res.body.created_at)).to.be.closeTo(Date.now(), 10_000);
    expect(res.body.notifications).to.deep.equal([]);
  });

  it('echoes an integer patient_id as an integer', async () => {
    const res = await evaluate({ patient_id: 4242, age: 30 });
    expect(res.status).to.equal(201);
    expect(res.body.patient_id).to.equal(4242);
  });

  it('applies thresholds strictly: age 65 with chronic pain fires nothing', async () => {
    const res = await evaluate({ patient_id: uniquePatientId(), age: 65, chronic_pain: true });
    expect(res.status).to.equal(201);
    expect(res.body.recommendation).to.equal(null);
    expect(res.body.recommendations).to.deep.equal([]);
    expectMatchesSpec(res, '/evaluate', 'post');
  });

  it('recommends weight management above BMI 30 but not at 30', async () => {
    const over = await evaluate({ patient_id: uniquePatientId(), age: 40, bmi: 30.1 });
    const at = await evaluate({ patient_id: uniquePatientId(), age: 40, bmi: 30 });
    expect(over.body.recommendations.map((r: { code: string }) => r.code)).to.deep.equal(['WEIGHT_MANAGEMENT_PROGRAM']);
    expect(at.body.recommendations).to.deep.equal([]);
  });

  it('derives BMI from height and weight when bmi is absent', async () => {
    // 95 kg at 170 cm is BMI 32.9
    const res = await evaluate({ patient_id: uniquePatientId(), age: 45, height_cm: 170, weight_kg: 95 });
    expect(res.status).to.equal(201);
    expect(res.body.recommendations[0].code).to.equal('WEIGHT_MANAGEMENT_PROGRAM');
    expect(res.body.recommendations[0].reasons.join(' ')).to.contain('32.9');
  });

  it('rejects height and weight whose derived BMI is implausible', async () => {
    const res = await evaluate({ patient_id: uniquePatientId(), age: 45, height_cm: 30, weight_kg: 700 });
    expect(res.status).to.equal(400);
    expect(res.headers['content-type']).to.match(/^application\/problem\+json/);
    expect(res.body.errors[0].path).to.equal('/body/weight_kg');
  });

  it('lists every fired rule highest priority first, and names the first as the recommendation', async () => {
    const res = await evaluate({ patient_id: uniquePatientId(), age: 80, chronic_pain: true, bmi: 35, recent_surgery: true });
    expect(res.status).to.equal(201);
    const priorities = res.body.recommendations.map((r: { priority: number }) => r.priority);
    expect(priorities).to.deep.equal([...priorities].sort((a: number, b: number) => b - a));
    expect(res.body.recommendations.map((r: { code: string }) => r.code)).to.have.members([
      'PHYSICAL_THERAPY',
      'WEIGHT_MANAGEMENT_PROGRAM',
      'POST_OP_REHABILITATION_PLAN',
    ]);
    expect(res.body.recommendation).to.equal(res.body.recommendations[0].title);
  });

  it('recommends post-op rehabilitation after recent surgery', async () => {
    const res = await evaluate({ patient_id: uniquePatientId(), age: 30, recent_surgery: true });
    expect(res.body.recommendation).to.equal('Post-Op Rehabilitation Plan');
  });

  it('echoes the client X-Request-Id', async () => {
    const res = await svc.http
      .post('/evaluate')
      .set('Authorization', `Bearer ${svc.token()}`)
      .set('X-Request-Id', 'trace-abc-123')
      .send({ patient_id: uniquePatientId(), age: 20 });
    expect(res.headers['x-request-id']).to.equal('trace-abc-123');
  });

  it('lets the worker audit, notify once and count the recommendation', async () => {
    const res = await evaluate({ patient_id: uniquePatientId(), age: 70, chronic_pain: true });
    await svc.processed(res.body.id);

    const read = await svc.http.get(`/recommendation/${res.body.id}`).set('Authorization', `Bearer ${svc.token()}`);
    expect(read.status).to.equal(200);
    expectMatchesSpec(read, '/recommendation/{id}', 'get');
    expectNotifiedOnEveryChannel(read.body.notifications);
    const { recommendations, ...decision } = read.body;
    expect(recommendations).to.deep.equal(res.body.recommendations);
    expect(decision.ruleset).to.deep.equal(res.body.ruleset);

    const audit = await svc.service.store.getAudit(res.body.id);
    expect(audit).to.include({ recommendationId: res.body.id, recommendation: 'Physical Therapy' });
    expect(audit?.ruleset).to.deep.equal(res.body.ruleset);
  });
});
