import { expect } from 'chai';
import jwt from 'jsonwebtoken';
import { expectMatchesSpec } from './helpers/openapi-contract.js';
import { startTestService, TEST_SECRET, uniquePatientId, type TestService } from './helpers/api-service.js';
import { base64url, claims, expectUnauthorized, handMadeToken, OTHER_SECRET, rsaKeyPair } from './helpers/auth-tokens.js';

// Token verification on the HS256 service: every way a bearer token can be wrong answers 401.
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
});
