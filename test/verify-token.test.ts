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

  it('rejects a token without sub: there would be no one to limit or to scope idempotency keys to', () => {
    const verify = createTokenVerifier(config, now);
    const exp = clockMs / 1000 + 60;
    const noSub = jwt.sign({ scope: 'rules:read', exp }, config.secret as string, { algorithm: 'HS256', audience: config.audience });
    const emptySub = jwt.sign({ scope: 'rules:read', exp, sub: '' }, config.secret as string, { algorithm: 'HS256', audience: config.audience });
    expect(() => verify(noSub)).to.throw(AppError, 'token has no sub claim');
    expect(() => verify(emptySub)).to.throw(AppError, 'token has no sub claim');
  });

  it('has no patient for a token without the patient claim', () => {
    const principal = createTokenVerifier(config, now)(sign({ exp: clockMs / 1000 + 60 }));
    expect(principal).to.not.have.property('patient');
  });

  it('reads the patient claim as a patient id, an integer as its string form', () => {
    const verify = createTokenVerifier(config, now);
    expect(verify(sign({ exp: clockMs / 1000 + 60, patient: 'pat-7' })).patient).to.equal('pat-7');
    expect(verify(sign({ exp: clockMs / 1000 + 60, patient: 123 })).patient).to.equal('123');
  });

  for (const patient of ['', 0, 1.5, true, ['a'], { id: 'a' }, null]) {
    it(`rejects a token whose patient claim is ${JSON.stringify(patient)} rather than treat it as unrestricted`, () => {
      const verify = createTokenVerifier(config, now);
      expect(() => verify(sign({ exp: clockMs / 1000 + 60, patient }))).to.throw(AppError, 'patient claim');
    });
  }
});
