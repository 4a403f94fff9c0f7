import jwt from 'jsonwebtoken';
import type { JwtConfig } from '../platform/config.js';

export interface TokenRequest {
  scopes: string[];
  subject: string;
  expiresInSeconds: number;
  /** Restricts the token to one patient (the `patient` claim). */
  patient?: string;
}

/** Mints an HS256 token for the configured secret (tests, `npm run token`, the benchmark). */
export function signToken(config: JwtConfig, request: TokenRequest): string {
  if (config.secret === undefined) {
    throw new Error('minting needs JWT_SECRET (or the development secret); with JWT_PUBLIC_KEY, sign with your private key');
  }
  const claims = { scope: request.scopes.join(' '), ...(request.patient !== undefined ? { patient: request.patient } : {}) };
  return jwt.sign(claims, config.secret, {
    algorithm: 'HS256',
    audience: config.audience,
    subject: request.subject,
    expiresIn: request.expiresInSeconds,
    ...(config.issuer !== undefined ? { issuer: config.issuer } : {}),
  });
}
