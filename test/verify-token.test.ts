import { expect } from 'chai';
import jwt from 'jsonwebtoken';
import { createTokenVerifier } from '../core/auth/verify-token.js';
import type { JwtConfig } from '../core/platform/config.js';
import { AppError } from '../core/platform/errors.js';

const config: JwtConfig = { secret: 'unit-test-secret-that-is-32-bytes-or-more', algorithm: 'HS256', audience: 'clinical-recommendations' };

describe('token verifier', () => {
  let clockMs = Date.parse('2026-01-01T00:00:00Z');
  const now = () => clockMs;
  const sign = (claims: Record<string, unknown>) =>
    jwt.sign({ scope: 'rules:read', ...claims }, config.secret as string, { algorithm: 'HS256', audience: config.audience, subject: 'unit' });

  it('accepts a token again while it is valid, with the same principal', () => {
    const verify = createTokenVerifier(config, now);
    const token = sign({ exp: clockMs / 1000 + 60 });
    const first = verify(token);
    const second = verify(token);
    expect(second).to.deep.equal(first);
    expect([...second.scopes]).to.deep.equal(['rules:read']);
  });

  it('rejects a remembered token once its exp has passed', () => {
    const verify = createTokenVerifier(config, now);
    const token = sign({ exp: clockMs / 1000 + 60 });
    verify(token);

    clockMs += 61_000;

    expect(() => verify(token)).to.throw(AppError, 'token has expired');
  });
});
