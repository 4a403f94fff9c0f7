import type { Request, RequestHandler } from 'express';
import type { Principal, TokenVerifier } from '../core/auth/verify-token.js';
import { patientKey, type PatientId } from '../core/domain/recommendation.js';
import { AppError } from '../core/platform/errors.js';

/**
 * The scopes a patient-scoped token (one with a `patient` claim) may use.
 * Everything else, `/rules` and `/reports` today and any operation added
 * later, is closed to it whatever scopes it carries: a patient app reads its
 * own patient's records, never service-wide data.
 */
const PATIENT_TOKEN_SCOPES: ReadonlySet<string> = new Set(['recommendations:read', 'recommendations:write']);

/** Requires a valid bearer token carrying `scope`; puts the principal in `res.locals.principal`. */
export function requireScope(verify: TokenVerifier, scope: string): RequestHandler {
  return (req, res, next) => {
    const principal = verify(bearerToken(req));
    if (!principal.scopes.has(scope)) throw new AppError('FORBIDDEN', `token lacks the "${scope}" scope`);
    if (principal.patient !== undefined && !PATIENT_TOKEN_SCOPES.has(scope)) {
      throw new AppError('FORBIDDEN', `a token scoped to one patient may not use "${scope}" operations`);
    }
    res.locals.principal = principal;
    next();
  };
}

/**
 * The token of `Authorization: Bearer <token>`. Node keeps only the first of
 * repeated Authorization headers in `req.headers`; two of them are ambiguous
 * (a proxy and a client disagreeing about who calls), so they are refused.
 */
export function bearerToken(req: Request): string {
  const headers = req.headersDistinct.authorization;
  if (headers !== undefined && headers.length > 1) {
    throw new AppError('VALIDATION', `send one Authorization header, not ${headers.length}`, [{ path: '/headers/authorization', message: 'is repeated' }]);
  }
  const header = headers?.[0];
  const match = header === undefined ? null : /^Bearer ([^\s]+)$/i.exec(header.trim());
  if (match === null || match[1] === undefined) {
    throw new AppError('UNAUTHENTICATED', header === undefined ? 'missing bearer token' : 'Authorization header is not "Bearer <token>"');
  }
  return match[1];
}

export function principalOf(locals: Record<string, unknown>): Principal {
  return locals.principal as Principal;
}

/**
 * Whether this principal may act for (evaluate, read) this patient: any token
 * without a `patient` claim may; a patient-scoped token only for its own
 * patient. `123` and `"123"` are the same patient. Routes decide the answer
 * for "no": 403 where the client named the patient to act for (POST
 * /evaluate, CDS Hooks), 404 on reads so that existence does not leak.
 */
export function mayActFor(principal: Principal, patientId: PatientId): boolean {
  return principal.patient === undefined || principal.patient === patientKey(patientId);
}

/** `mayActFor`, or 403: for requests that name the patient to act for. */
export function requirePatientAccess(principal: Principal, patientId: PatientId): void {
  if (!mayActFor(principal, patientId)) throw new AppError('FORBIDDEN', 'this token may only act for the patient it was issued for');
}
