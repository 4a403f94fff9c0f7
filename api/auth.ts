import type { RequestHandler } from 'express';
import type { Principal, TokenVerifier } from '../core/auth/verify-token.js';
import { AppError } from '../core/platform/errors.js';

/** Requires a valid bearer token carrying `scope`; puts the principal in `res.locals.principal`. */
export function requireScope(verify: TokenVerifier, scope: string): RequestHandler {
  return (req, res, next) => {
    const header = req.get('authorization');
    const match = header === undefined ? null : /^Bearer ([^\s]+)$/i.exec(header.trim());
    if (match === null || match[1] === undefined) {
      throw new AppError('UNAUTHENTICATED', header === undefined ? 'missing bearer token' : 'Authorization header is not "Bearer <token>"');
    }
    const principal = verify(match[1]);
    if (!principal.scopes.has(scope)) throw new AppError('FORBIDDEN', `token lacks the "${scope}" scope`);
    res.locals.principal = principal;
    next();
  };
}

export function principalOf(locals: Record<string, unknown>): Principal {
  return locals.principal as Principal;
}
