import { createHmac, generateKeyPairSync, randomUUID } from 'node:crypto';
import { expect } from 'chai';
import jwt from 'jsonwebtoken';
import type { Response } from 'supertest';
import { signToken } from '../core/auth/sign-token.js';
import { expectMatchesSpec } from './helpers/openapi-contract.js';
import { RawConnection } from './helpers/raw-http.js';
import { ALL_SCOPES, startTestService, TEST_SECRET, uniquePatientId, type TestService } from './helpers/api-service.js';

const AUDIENCE = 'clinical-recommendations';
const OTHER_SECRET = 'another-secret-that-is-also-32-bytes-long!!';

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

function claims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  return { scope: ALL_SCOPES.join(' '), sub: 'test-client', aud: AUDIENCE, iat: now, exp: now + 300, ...overrides };
}

/** Builds a compact JWT by hand, for headers and algorithms jsonwebtoken refuses to produce. */
function handMadeToken(header: Record<string, unknown>, payload: Record<string, unknown>, sign: (input: string) => string): string {
  const input = `${base64url(header)}.${base64url(payload)}`;
  return `${input}.${sign(input)}`;
}

function hs256ByHand(payload: Record<string, unknown>, secret: string): string {
  return handMadeToken({ alg: 'HS256', typ: 'JWT' }, payload, (input) => createHmac('sha256', secret).update(input).digest('base64url'));
}

function rsaKeyPair(): { publicKey: string; privateKey: string } {
  return generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
}

function expectUnauthorized(res: Response): void {
  expect(res.status, res.text).to.equal(401);
  expect(res.headers['content-type']).to.match(/^application\/problem\+json/);
  expect(res.headers['www-authenticate']).to.match(/^Bearer\b/);
  expect(res.body).to.include({ status: 401 });
  expectMatchesSpec(res, '/evaluate', 'post');
}

function expectForbidden(res: Response, specPath: string, method: string): void {
  expect(res.status, res.text).to.equal(403);
  expect(res.headers['content-type']).to.match(/^application\/problem\+json/);
  expect(res.body).to.include({ status: 403 });
  expectMatchesSpec(res, specPath, method);
}

describe('Authentication and scopes (HS256 service)', () => {
  let svc: TestService;
  before(async () => {
    svc = await startTestService();
  });
  after(async () => svc.stop());

  function evaluateWith(authorization: string | undefined) {
    const req = svc.http.post('/evaluate');
    if (authorization !== undefined) req.set('Authorization', authorization);
    return req.send({ patient_id: uniquePatientId(), age: 40 });
  }

  it('accepts a valid HS256 token (the control for every 401 below)', async () => {
    const res = await evaluateWith(`Bearer ${svc.token()}`);
    expect(res.status, res.text).to.equal(201);
    expectMatchesSpec(res, '/evaluate', 'post');
  });

  it('returns 401 with WWW-Authenticate when the Authorization header is missing', async () => {
    expectUnauthorized(await evaluateWith(undefined));
  });

  it('returns 401 when the scheme is not Bearer', async () => {
    expectUnauthorized(await evaluateWith(`Basic ${Buffer.from('user:password').toString('base64')}`));
  });

  it('returns 401 when the scheme is Bearer but the token is missing', async () => {
    expectUnauthorized(await evaluateWith('Bearer '));
  });

  it('returns 401 when the token is malformed', async () => {
    expectUnauthorized(await evaluateWith('Bearer not.a.jwt'));
  });

  it('returns 401 when the token is signed with another secret', async () => {
    const token = jwt.sign(claims(), OTHER_SECRET, { algorithm: 'HS256' });
    expectUnauthorized(await evaluateWith(`Bearer ${token}`));
  });

  it('returns 401 when the signature has been tampered with', async () => {
    const [header, , signature] = svc.token(['recommendations:read']).split('.');
    const token = `${header}.${base64url(claims({ scope: 'recommendations:write' }))}.${signature}`;
    expectUnauthorized(await evaluateWith(`Bearer ${token}`));
  });

  it('returns 401 when the token has expired', async () => {
    const past = Math.floor(Date.now() / 1000) - 120;
    const token = jwt.sign(claims({ iat: past - 60, exp: past }), TEST_SECRET, { algorithm: 'HS256' });
    const res = await evaluateWith(`Bearer ${token}`);
    expectUnauthorized(res);
    expect(res.body.detail).to.match(/expired/);
  });

  it('returns 401 when the token has no exp claim', async () => {
    const { exp: _exp, ...noExp } = claims();
    const token = jwt.sign(noExp, TEST_SECRET, { algorithm: 'HS256' });
    expect(jwt.decode(token)).to.not.have.property('exp');
    expectUnauthorized(await evaluateWith(`Bearer ${token}`));
  });

  it('returns 401 for an unsigned token (alg: none)', async () => {
    const token = handMadeToken({ alg: 'none', typ: 'JWT' }, claims(), () => '');
    expect(token.endsWith('.')).to.equal(true);
    expectUnauthorized(await evaluateWith(`Bearer ${token}`));
  });

  it('returns 401 for a token signed with another algorithm than the configured one (RS256)', async () => {
    const { privateKey } = rsaKeyPair();
    const token = jwt.sign(claims(), privateKey, { algorithm: 'RS256' });
    expectUnauthorized(await evaluateWith(`Bearer ${token}`));
  });

  it('returns 401 for a token signed with the right secret but HS512', async () => {
    const token = jwt.sign(claims(), TEST_SECRET, { algorithm: 'HS512' });
    expectUnauthorized(await evaluateWith(`Bearer ${token}`));
  });

  it('returns 401 when the audience is wrong', async () => {
    const token = jwt.sign(claims({ aud: 'some-other-api' }), TEST_SECRET, { algorithm: 'HS256' });
    expectUnauthorized(await evaluateWith(`Bearer ${token}`));
  });

  it('returns 401 when the audience is missing', async () => {
    const { aud: _aud, ...noAud } = claims();
    const token = jwt.sign(noAud, TEST_SECRET, { algorithm: 'HS256' });
    expectUnauthorized(await evaluateWith(`Bearer ${token}`));
  });

  it('returns 401 on read endpoints too, with WWW-Authenticate', async () => {
    const res = await svc.http.get('/rules');
    expect(res.status).to.equal(401);
    expect(res.headers['content-type']).to.match(/^application\/problem\+json/);
    expect(res.headers['www-authenticate']).to.match(/^Bearer\b/);
    expectMatchesSpec(res, '/rules', 'get');
  });

  describe('authentication comes before input validation', () => {
    it('returns 401, not 400, for a request without a token whose body is also invalid', async () => {
      const res = await svc.http.post('/evaluate').send({ patient_id: uniquePatientId(), age: 'seventy' });
      expectUnauthorized(res);
    });

    it('returns 401, not 415, for a request without a token and a non-JSON body', async () => {
      const res = await svc.http.post('/evaluate').set('Content-Type', 'text/plain').send('age=70');
      expectUnauthorized(res);
    });

    it('returns 401, not 400, for a read without a token and an invalid query', async () => {
      const res = await svc.http.get('/reports/summary?from=not-a-date');
      expect(res.status, res.text).to.equal(401);
      expect(res.headers['www-authenticate']).to.match(/^Bearer\b/);
    });
  });

  describe('scopes', () => {
    interface Endpoint {
      name: string;
      scope: string;
      specPath: string;
      method: 'get' | 'post';
      okStatus: number;
      call: (authorization: string) => Promise<Response>;
    }
    const endpoints: Endpoint[] = [
      {
        name: 'POST /evaluate',
        scope: 'recommendations:write',
        specPath: '/evaluate',
        method: 'post',
        okStatus: 201,
        call: (auth) => svc.http.post('/evaluate').set('Authorization', auth).send({ patient_id: uniquePatientId(), age: 40 }),
      },
      {
        name: 'GET /recommendation/{id}',
        scope: 'recommendations:read',
        specPath: '/recommendation/{id}',
        method: 'get',
        // An unknown id: past the scope check the answer is 404, never 403.
        okStatus: 404,
        call: (auth) => svc.http.get(`/recommendation/${randomUUID()}`).set('Authorization', auth),
      },
      {
        name: 'GET /patients/{patient_id}/recommendations',
        scope: 'recommendations:read',
        specPath: '/patients/{patient_id}/recommendations',
        method: 'get',
        okStatus: 200,
        call: (auth) => svc.http.get(`/patients/${uniquePatientId()}/recommendations`).set('Authorization', auth),
      },
      {
        name: 'GET /rules',
        scope: 'rules:read',
        specPath: '/rules',
        method: 'get',
        okStatus: 200,
        call: (auth) => svc.http.get('/rules').set('Authorization', auth),
      },
      {
        name: 'GET /reports/summary',
        scope: 'reports:read',
        specPath: '/reports/summary',
        method: 'get',
        okStatus: 200,
        call: (auth) => svc.http.get('/reports/summary').set('Authorization', auth),
      },
    ];

    for (const endpoint of endpoints) {
      it(`${endpoint.name} returns 403, not 401, for a valid token without "${endpoint.scope}"`, async () => {
        const otherScopes = ALL_SCOPES.filter((s) => s !== endpoint.scope);
        const res = await endpoint.call(`Bearer ${svc.token(otherScopes)}`);
        expectForbidden(res, endpoint.specPath, endpoint.method);
        expect(res.body.detail).to.include(endpoint.scope);
      });

      it(`${endpoint.name} returns 403 for a valid token with no scope claim at all`, async () => {
        const token = jwt.sign({ sub: 'no-scope' }, TEST_SECRET, { algorithm: 'HS256', audience: AUDIENCE, expiresIn: 300 });
        expectForbidden(await endpoint.call(`Bearer ${token}`), endpoint.specPath, endpoint.method);
      });

      it(`${endpoint.name} accepts a token carrying only "${endpoint.scope}"`, async () => {
        const res = await endpoint.call(`Bearer ${svc.token([endpoint.scope])}`);
        expect(res.status, res.text).to.equal(endpoint.okStatus);
        expectMatchesSpec(res, endpoint.specPath, endpoint.method);
      });
    }

    it('does not treat a scope as a prefix match ("recommendations:writer" is not "recommendations:write")', async () => {
      const res = await endpoints[0]!.call(`Bearer ${svc.token(['recommendations:writer', 'recommendations'])}`);
      expectForbidden(res, '/evaluate', 'post');
    });
  });
});

describe('Authentication with JWT_ISSUER configured', () => {
  const ISSUER = 'https://issuer.test';
  let svc: TestService;
  before(async () => {
    svc = await startTestService({ JWT_ISSUER: ISSUER });
  });
  after(async () => svc.stop());

  function evaluateWith(token: string) {
    return svc.http.post('/evaluate').set('Authorization', `Bearer ${token}`).send({ patient_id: uniquePatientId(), age: 40 });
  }

  it('accepts a token from the configured issuer', async () => {
    const token = jwt.sign(claims({ iss: ISSUER }), TEST_SECRET, { algorithm: 'HS256' });
    const res = await evaluateWith(token);
    expect(res.status, res.text).to.equal(201);
  });

  it('returns 401 when the issuer is wrong', async () => {
    const token = jwt.sign(claims({ iss: 'https://evil.test' }), TEST_SECRET, { algorithm: 'HS256' });
    expectUnauthorized(await evaluateWith(token));
  });

  it('returns 401 when the issuer is missing', async () => {
    const token = jwt.sign(claims(), TEST_SECRET, { algorithm: 'HS256' });
    expectUnauthorized(await evaluateWith(token));
  });
});

describe('Authentication with JWT_PUBLIC_KEY (RS256)', () => {
  const keys = rsaKeyPair();
  let svc: TestService;
  before(async () => {
    svc = await startTestService({ JWT_SECRET: '', JWT_PUBLIC_KEY: keys.publicKey });
  });
  after(async () => svc.stop());

  function evaluateWith(token: string) {
    return svc.http.post('/evaluate').set('Authorization', `Bearer ${token}`).send({ patient_id: uniquePatientId(), age: 40 });
  }

  it('pins the algorithm to the key: RS256', () => {
    expect(svc.config.jwt.algorithm).to.equal('RS256');
    expect(svc.config.jwt.secret).to.equal(undefined);
  });

  it('accepts an RS256 token signed by the matching private key', async () => {
    const token = jwt.sign(claims(), keys.privateKey, { algorithm: 'RS256' });
    const res = await evaluateWith(token);
    expect(res.status, res.text).to.equal(201);
    expectMatchesSpec(res, '/evaluate', 'post');
  });

  it('returns 401 for an RS256 token signed by another private key', async () => {
    const token = jwt.sign(claims(), rsaKeyPair().privateKey, { algorithm: 'RS256' });
    expectUnauthorized(await evaluateWith(token));
  });

  it('returns 401 for an HS256 token that uses the public key PEM as its secret (algorithm confusion)', async () => {
    const token = hs256ByHand(claims(), keys.publicKey);
    expectUnauthorized(await evaluateWith(token));
  });

  it('returns 401 for an HS256 token signed with the test secret', async () => {
    const token = jwt.sign(claims(), TEST_SECRET, { algorithm: 'HS256' });
    expectUnauthorized(await evaluateWith(token));
  });

  it('returns 401 for an unsigned token (alg: none)', async () => {
    const token = handMadeToken({ alg: 'none', typ: 'JWT' }, claims(), () => '');
    expectUnauthorized(await evaluateWith(token));
  });
});

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
