import { createHmac, generateKeyPairSync } from 'node:crypto';
import { expect } from 'chai';
import type { Response } from 'supertest';
import { expectMatchesSpec } from './openapi-contract.js';
import { ALL_SCOPES } from './api-service.js';

/** Tokens and assertions shared by the authentication tests (test/api-auth-*.test.ts). */

export const AUDIENCE = 'clinical-recommendations';
export const OTHER_SECRET = 'another-secret-that-is-also-32-bytes-long!!';

export function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

export function claims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  return { scope: ALL_SCOPES.join(' '), sub: 'test-client', aud: AUDIENCE, iat: now, exp: now + 300, ...overrides };
}

/** Builds a compact JWT by hand, for headers and algorithms jsonwebtoken refuses to produce. */
export function handMadeToken(
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
  sign: (input: string) => string,
): string {
  const input = `${base64url(header)}.${base64url(payload)}`;
  return `${input}.${sign(input)}`;
}

export function hs256ByHand(payload: Record<string, unknown>, secret: string): string {
  return handMadeToken({ alg: 'HS256', typ: 'JWT' }, payload, (input) => createHmac('sha256', secret).update(input).digest('base64url'));
}

export function rsaKeyPair(): { publicKey: string; privateKey: string } {
  return generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
}

/** A 401 problem with a Bearer challenge, as POST /evaluate documents it. */
export function expectUnauthorized(res: Response): void {
  expect(res.status, res.text).to.equal(401);
  expect(res.headers['content-type']).to.match(/^application\/problem\+json/);
  expect(res.headers['www-authenticate']).to.match(/^Bearer\b/);
  expect(res.body).to.include({ status: 401 });
  expectMatchesSpec(res, '/evaluate', 'post');
}

export function expectForbidden(res: Response, specPath: string, method: string): void {
  expect(res.status, res.text).to.equal(403);
  expect(res.headers['content-type']).to.match(/^application\/problem\+json/);
  expect(res.body).to.include({ status: 403 });
  expectMatchesSpec(res, specPath, method);
}
