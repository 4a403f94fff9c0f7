import { expect } from 'chai';
import path from 'node:path';
import { PROJECT_ROOT } from '../core/platform/paths.js';
import { startTestService, uniquePatientId, type TestService } from './helpers/api-service.js';

/**
 * Application logs never hold patient data: no patient id, no clinical
 * values, no bodies. Correlation goes by request id and recommendation id.
 */
describe('Application logs', () => {
  let svc: TestService;
  before(async () => {
    // A ruleset that declares observations, so one can carry a canary value (activity_level is a string).
    svc = await startTestService({ RULES_DIR: path.join(PROJECT_ROOT, 'test', 'fixtures', 'rules', 'observations') });
  });
  after(async () => svc.stop());

  function allLogText(): string {
    return svc.logs.map((line) => JSON.stringify(line)).join('\n');
  }

  it('never contain the patient id, values or body of an evaluated request', async () => {
    const patientId = `mrn-LOGCANARY-${Date.now()}`;
    const observation = `obsvalue-LOGCANARY-${Date.now()}`;
    const body = { patient_id: patientId, age: 87, bmi: 41.37, height_cm: 163.21, weight_kg: 109.87, chronic_pain: true, recent_surgery: true, observations: { activity_level: observation } };

    const res = await svc.http.post('/evaluate').set('Authorization', `Bearer ${svc.token()}`).send(body);
    expect(res.status, res.text).to.equal(201);
    await svc.processed(res.body.id);

    const text = allLogText();
    expect(text).to.not.include(patientId);
    expect(text).to.not.include('LOGCANARY');
    for (const value of ['41.37', '163.21', '109.87']) expect(text).to.not.include(value);
    expect(text).to.not.include(JSON.stringify(body));
  });

  it('never contain the patient id or body of a rejected request', async () => {
    const patientId = `mrn-BADCANARY-${Date.now()}`;
    const body = { patient_id: patientId, age: 'seventy', bmi: 77.77 };

    const res = await svc.http.post('/evaluate').set('Authorization', `Bearer ${svc.token()}`).send(body);
    expect(res.status).to.equal(400);

    const text = allLogText();
    expect(text).to.not.include(patientId);
    expect(text).to.not.include('BADCANARY');
    expect(text).to.not.include('77.77');
    expect(text).to.not.include('seventy');
  });

  it('never contain the patient id of a history lookup', async () => {
    const patientId = `mrn-READCANARY-${Date.now()}`;

    const res = await svc.http.get(`/patients/${patientId}/recommendations`).set('Authorization', `Bearer ${svc.token()}`);
    expect(res.status).to.equal(200);

    expect(allLogText()).to.not.include('READCANARY');
  });

  it('never contain the bearer token', async () => {
    const token = svc.token();
    await svc.http.post('/evaluate').set('Authorization', `Bearer ${token}`).send({ patient_id: uniquePatientId(), age: 40 });
    await svc.http.get('/rules').set('Authorization', `Bearer ${token}x`);

    expect(allLogText()).to.not.include(token);
  });

  it('name the request id and recommendation id on the "recommendation created" line', async () => {
    const res = await svc.http
      .post('/evaluate')
      .set('Authorization', `Bearer ${svc.token()}`)
      .set('X-Request-Id', `logs-${Date.now()}`)
      .send({ patient_id: `mrn-${Date.now()}`, age: 70, chronic_pain: true });
    expect(res.status).to.equal(201);

    const created = svc.logs.filter((l) => l.message === 'recommendation created' && l.request_id === res.headers['x-request-id']);
    expect(created, 'one "recommendation created" line for this request').to.have.length(1);
    expect(created[0]).to.include({ recommendation_id: res.body.id, level: 'info' });
  });

  it('carry the request id on every line logged while serving a request', async () => {
    const requestId = `logs-all-${Date.now()}`;
    const first = svc.logs.length;

    const res = await svc.http
      .post('/evaluate')
      .set('Authorization', `Bearer ${svc.token()}`)
      .set('X-Request-Id', requestId)
      .send({ patient_id: `mrn-${Date.now()}`, age: 30, recent_surgery: true });
    expect(res.status).to.equal(201);
    await svc.processed(res.body.id);

    const lines = svc.logs.slice(first);
    const requestLines = lines.filter((l) => l.request_id === requestId);
    expect(requestLines, 'the request logged something').to.have.length.above(0);
    // The worker's lines belong to the job, not the request: they name the recommendation instead.
    const workerLines = lines.filter((l) => l.request_id === undefined);
    for (const line of workerLines) expect(line, JSON.stringify(line)).to.have.property('recommendation_id');
  });

  it('are JSON lines with a level, a message and a timestamp', () => {
    expect(svc.logs).to.have.length.above(0);
    for (const line of svc.logs) {
      expect(line.level, JSON.stringify(line)).to.be.a('string');
      expect(line.message, JSON.stringify(line)).to.be.a('string');
      expect(line.timestamp, JSON.stringify(line)).to.be.a('string');
    }
  });
});
