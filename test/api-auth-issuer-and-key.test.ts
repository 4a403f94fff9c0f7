import { expect } from 'chai';
import jwt from 'jsonwebtoken';
import { expectMatchesSpec } from './helpers/openapi-contract.js';
import { startTestService, TEST_SECRET, uniquePatientId, type TestService } from './helpers/api-service.js';
import { claims, expectUnauthorized, handMadeToken, hs256ByHand, rsaKeyPair } from './helpers/auth-tokens.js';

// Verification settings other than the default HS256 secret: a required issuer, and an RS256 public key.
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
