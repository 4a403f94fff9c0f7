import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import jwt from 'jsonwebtoken';
import type { Response } from 'supertest';
import { signToken } from '../core/auth/sign-token.js';
import { expectMatchesSpec } from './helpers/openapi-contract.js';
import { RawConnection } from './helpers/raw-http.js';
import { ALL_SCOPES, startTestService, TEST_SECRET, uniquePatientId, type TestService } from './helpers/api-service.js';
import { claims, expectUnauthorized } from './helpers/auth-tokens.js';

// Who may see what: a subject is required, one Authorization header only, a patient claim limits reads and writes to that patient.
describe('Access: subject, one Authorization header, patient-scoped tokens', () => {
  let svc: TestService;
  before(async () => {
    svc = await startTestService();
  });
  after(async () => svc.stop());

  const patientToken = (patient: string, scopes = ALL_SCOPES) =>
    signToken(svc.config.jwt, { scopes, subject: `patient-app-${patient}`, expiresInSeconds: 300, patient });
  const evaluateAs = (token: string, patient_id: string | number) =>
    svc.http.post('/evaluate').set('Authorization', `Bearer ${token}`).send({ patient_id, age: 70, chronic_pain: true });
  const readAs = (token: string, path: string) => svc.http.get(path).set('Authorization', `Bearer ${token}`);

  function expectProblem(res: Response, status: number): void {
    expect(res.status, res.text).to.equal(status);
    expect(res.headers['content-type']).to.match(/^application\/problem\+json/);
    expect(res.body).to.include({ status });
  }

  it('returns 401 for a token without sub, on writes and reads', async () => {
    const { sub: _sub, ...noSub } = claims();
    const token = jwt.sign(noSub, TEST_SECRET, { algorithm: 'HS256' });
    const write = await evaluateWith(svc, `Bearer ${token}`);
    expectUnauthorized(write);
    expect(write.body.detail).to.match(/sub/);
    expect((await readAs(token, '/rules')).status).to.equal(401);
  });

  it('returns 400 problem+json for two Authorization headers, even when the first is valid', async () => {
    const conn = await RawConnection.open(svc.service.port);
    try {
      conn.writeHead([
        'GET /rules HTTP/1.1',
        'Host: 127.0.0.1',
        `Authorization: Bearer ${svc.token()}`,
        `Authorization: Bearer ${svc.token(['rules:read'], 'someone-else')}`,
        'Connection: close',
      ]);
      const res = await conn.response();
      expect(res.status, res.body).to.equal(400);
      expect(res.headers['content-type']).to.match(/^application\/problem\+json/);
      const body = JSON.parse(res.body) as { status: number; detail: string };
      expect(body.status).to.equal(400);
      expect(body.detail).to.match(/one Authorization header/);
    } finally {
      conn.destroy();
    }
  });

  it('lets a patient-scoped token evaluate its own patient, 123 and "123" alike', async () => {
    const own = uniquePatientId();
    const res = await evaluateAs(patientToken(own), own);
    expect(res.status, res.text).to.equal(201);
    expectMatchesSpec(res, '/evaluate', 'post');
    const numeric = await evaluateAs(patientToken('987654321'), 987654321);
    expect(numeric.status, numeric.text).to.equal(201);
  });

  it('returns 403 when a patient-scoped token evaluates another patient, and stores nothing', async () => {
    const [own, other] = [uniquePatientId(), uniquePatientId()];
    const res = await evaluateAs(patientToken(own), other);
    expectProblem(res, 403);
    expectMatchesSpec(res, '/evaluate', 'post');
    expect((await readAs(svc.token(), `/patients/${other}/recommendations`)).body.items).to.deep.equal([]);
  });

  it("reads its own patient's recommendation and history", async () => {
    const own = uniquePatientId();
    const token = patientToken(own);
    const created = await evaluateAs(token, own);
    expect(created.status, created.text).to.equal(201);
    const one = await readAs(token, `/recommendation/${created.body.id as string}`);
    expect(one.status, one.text).to.equal(200);
    expect(one.body.id).to.equal(created.body.id);
    const history = await readAs(token, `/patients/${own}/recommendations`);
    expect(history.status, history.text).to.equal(200);
    expect(history.body.items.map((r: { id: string }) => r.id)).to.deep.equal([created.body.id]);
  });

  it("returns 404 for another patient's recommendation, whether it is cached or not, as for an unknown id", async () => {
    const [own, other] = [uniquePatientId(), uniquePatientId()];
    const created = await evaluateAs(svc.token(), other);
    const id = created.body.id as string;
    const token = patientToken(own);
    const unknown = await readAs(token, `/recommendation/${randomUUID()}`);
    const fromStore = await readAs(token, `/recommendation/${id}`);
    expectProblem(fromStore, 404);
    expectMatchesSpec(fromStore, '/recommendation/{id}', 'get');
    expect(fromStore.body.title).to.equal(unknown.body.title);

    // Once the worker has settled it, a full token's read caches the view; the patient token still gets 404.
    await svc.processed(id);
    expect((await readAs(svc.token(), `/recommendation/${id}`)).status).to.equal(200);
    expect((await readAs(svc.token(), `/recommendation/${id}`)).status).to.equal(200);
    expectProblem(await readAs(token, `/recommendation/${id}`), 404);
  });

  it("returns 404 for another patient's history, whether that patient has records or not", async () => {
    const [own, other] = [uniquePatientId(), uniquePatientId()];
    expect((await evaluateAs(svc.token(), other)).status).to.equal(201);
    const withRecords = await readAs(patientToken(own), `/patients/${other}/recommendations`);
    expectProblem(withRecords, 404);
    expectMatchesSpec(withRecords, '/patients/{patient_id}/recommendations', 'get');
    expectProblem(await readAs(patientToken(own), `/patients/${uniquePatientId()}/recommendations`), 404);
  });

  for (const path of ['/rules', '/reports/summary']) {
    it(`returns 403 on ${path} for a patient-scoped token, whatever its scopes`, async () => {
      const res = await readAs(patientToken(uniquePatientId()), path);
      expectProblem(res, 403);
      expectMatchesSpec(res, path, 'get');
      expect((await readAs(svc.token(), path)).status, 'the same scopes without a patient claim').to.equal(200);
    });
  }
});

function evaluateWith(svc: TestService, authorization: string) {
  return svc.http.post('/evaluate').set('Authorization', authorization).send({ patient_id: uniquePatientId(), age: 40 });
}
