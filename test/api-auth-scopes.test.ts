import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import jwt from 'jsonwebtoken';
import type { Response } from 'supertest';
import { expectMatchesSpec } from './helpers/openapi-contract.js';
import { ALL_SCOPES, startTestService, TEST_SECRET, uniquePatientId, type TestService } from './helpers/api-service.js';
import { AUDIENCE, expectForbidden } from './helpers/auth-tokens.js';

// Each endpoint's scope: a valid token without it is 403 (not 401), a token with only it passes.
describe('Authentication and scopes (HS256 service)', () => {
  let svc: TestService;
  before(async () => {
    svc = await startTestService();
  });
  after(async () => svc.stop());

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
