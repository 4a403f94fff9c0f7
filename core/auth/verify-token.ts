import { createPublicKey, createSecretKey, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { LRUCache } from 'lru-cache';
import type { JwtConfig } from '../platform/config.js';
import { AppError } from '../platform/errors.js';

/** Who is calling and what they may do, from a verified token. */
export interface Principal {
  /** The token's `sub`; scopes idempotency keys. */
  subject: string;
  scopes: ReadonlySet<string>;
  /**
   * The `patient` claim (SMART on FHIR launch context): when set, the token
   * acts for this one patient only (see api/auth.ts `mayActFor`).
   */
  patient?: string;
}

export type TokenVerifier = (token: string) => Principal;

const VERIFIED_TOKENS_KEPT = 10_000;

/**
 * Verifies signature (with the one configured algorithm, so `alg: none` and
 * algorithm-confusion tokens fail), `exp` (required), `aud`, and `iss` when set.
 */
export function createTokenVerifier(config: JwtConfig, now: () => number = Date.now): TokenVerifier {
  if (config.publicKey === undefined && config.secret === undefined) throw new Error('JWT verification needs a secret or a public key');
  // A KeyObject made once: given a string, jsonwebtoken tries to parse it as a
  // public key on every call before treating it as a secret (most of a request's CPU).
  const key: KeyObject =
    config.publicKey !== undefined ? createPublicKey(config.publicKey) : createSecretKey(Buffer.from(config.secret as string, 'utf8'));
  const options: jwt.VerifyOptions = {
    algorithms: [config.algorithm],
    audience: config.audience,
    ...(config.issuer !== undefined ? { issuer: config.issuer } : {}),
  };
  // Clients reuse a token for its lifetime: a token proven once is remembered
  // until its exp (nbf is checked by verify before it is remembered), which
  // saves the signature check on every request. Only valid tokens are kept.
  const verified = new LRUCache<string, { principal: Principal; expiresAtMs: number }>({ max: VERIFIED_TOKENS_KEPT });
  return (token) => {
    const known = verified.get(token);
    if (known !== undefined) {
      if (now() < known.expiresAtMs) return known.principal;
      verified.delete(token);
    }
    const { principal, exp } = verifyFully(token);
    verified.set(token, { principal, expiresAtMs: exp * 1000 });
    return principal;
  };

  function verifyFully(token: string): { principal: Principal; exp: number } {
    let payload: string | jwt.JwtPayload;
    try {
      payload = jwt.verify(token, key, { ...options, clockTimestamp: Math.floor(now() / 1000) });
    } catch (err) {
      throw new AppError('UNAUTHENTICATED', describe(err));
    }
    if (typeof payload === 'string') throw new AppError('UNAUTHENTICATED', 'token payload is not a JSON object');
    if (typeof payload.exp !== 'number') throw new AppError('UNAUTHENTICATED', 'token has no exp claim');
    // Without a subject there is no one to rate-limit or to scope idempotency keys to.
    if (typeof payload.sub !== 'string' || payload.sub === '') throw new AppError('UNAUTHENTICATED', 'token has no sub claim');
    const scope = typeof payload.scope === 'string' ? payload.scope : '';
    const principal: Principal = { subject: payload.sub, scopes: new Set(scope.split(' ').filter(Boolean)) };
    const patient = patientClaim(payload.patient);
    if (patient !== undefined) principal.patient = patient;
    return { principal, exp: payload.exp };
  }
}

/**
 * SMART on FHIR puts the patient's FHIR id (a string) in `patient`; an integer
 * is taken as the same id, as `patient_id` 123 and "123" are one patient. A
 * claim of any other shape cannot be honoured, so the token is refused rather
 * than treated as unrestricted.
 */
function patientClaim(claim: unknown): string | undefined {
  if (claim === undefined) return undefined;
  if (typeof claim === 'string' && claim !== '') return claim;
  if (typeof claim === 'number' && Number.isSafeInteger(claim) && claim >= 1) return String(claim);
  throw new AppError('UNAUTHENTICATED', 'token has a patient claim that is not a patient id');
}

/** A client-safe reason; never echoes the token. */
function describe(err: unknown): string {
  if (err instanceof jwt.TokenExpiredError) return 'token has expired';
  if (err instanceof jwt.NotBeforeError) return 'token is not valid yet';
  if (err instanceof jwt.JsonWebTokenError) return `token is invalid: ${err.message}`;
  return 'token is invalid';
}
