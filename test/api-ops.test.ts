import { readFile } from 'node:fs/promises';
import { expect } from 'chai';
import { parse } from 'yaml';
import { OPENAPI_PATH } from '../core/platform/paths.js';
import { expectMatchesSpec } from './helpers/openapi-contract.js';
import { startTestService, uniquePatientId, type TestService } from './helpers/api-service.js';

/** The value of one Prometheus series, or undefined when the text has no such line. */
function sampleValue(metricsText: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of metricsText.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const hasAll = Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`));
    if (hasAll) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

describe('Operations endpoints', () => {
  let svc: TestService;
  before(async () => {
    svc = await startTestService();
  });
  after(async () => svc.stop());

  it('GET /health/live returns 200 without a token', async () => {
    const res = await svc.http.get('/health/live');

    expect(res.status).to.equal(200);
    expect(res.body).to.deep.equal({ status: 'ok' });
    expectMatchesSpec(res, '/health/live', 'get');
  });

  it('GET /health/ready returns 200 with the store, rules and queue checks up', async () => {
    const res = await svc.http.get('/health/ready');

    expect(res.status).to.equal(200);
    expectMatchesSpec(res, '/health/ready', 'get');
    expect(res.body.status).to.equal('ok');
    expect(res.body.checks).to.deep.include({ store: { status: 'ok' }, rules: { status: 'ok' } });
    expect(res.body.checks).to.have.property('queue');
  });

  it('GET /metrics serves Prometheus text with request durations and evaluations by code', async () => {
    const before = await svc.http.get('/metrics');
    const baseline = sampleValue(before.text, 'recommendations_evaluated_total', { code: 'PHYSICAL_THERAPY' }) ?? 0;
    const created = await svc.http.post('/evaluate').set('Authorization', `Bearer ${svc.token()}`).send({ patient_id: uniquePatientId(), age: 70, chronic_pain: true });
    expect(created.status).to.equal(201);

    const res = await svc.http.get('/metrics');

    expect(res.status).to.equal(200);
    expect(res.headers['content-type']).to.match(/^text\/plain/);
    expect(res.text).to.match(/^# HELP http_request_duration_seconds /m);
    expect(res.text).to.match(/^# TYPE recommendations_evaluated_total counter$/m);
    expect(sampleValue(res.text, 'recommendations_evaluated_total', { code: 'PHYSICAL_THERAPY' })).to.equal(baseline + 1);
    expect(sampleValue(res.text, 'http_request_duration_seconds_count', { method: 'POST', route: '/evaluate', status: '201' })).to.be.at.least(1);
  });

  it('GET /metrics counts NONE for an evaluation where no rule fired, and each evaluation once however often it is scraped', async () => {
    const count = (text: string) => sampleValue(text, 'recommendations_evaluated_total', { code: 'NONE' }) ?? 0;
    const baseline = count((await svc.http.get('/metrics')).text);
    for (let i = 0; i < 2; i += 1) {
      const created = await svc.http.post('/evaluate').set('Authorization', `Bearer ${svc.token()}`).send({ patient_id: uniquePatientId(), age: 30 });
      expect(created.body.recommendations).to.deep.equal([]);
    }

    expect(count((await svc.http.get('/metrics')).text)).to.equal(baseline + 2);
    expect(count((await svc.http.get('/metrics')).text)).to.equal(baseline + 2);
  });

  it('GET /metrics labels requests by route template, never by raw id', async () => {
    const patientId = uniquePatientId();
    await svc.http.get(`/patients/${patientId}/recommendations`).set('Authorization', `Bearer ${svc.token()}`);

    const res = await svc.http.get('/metrics');

    expect(res.text).to.not.include(patientId);
    expect(res.text).to.include('route="/patients/:patient_id/recommendations"');
  });

  it('GET /openapi.yaml serves the contract', async () => {
    const res = await svc.http.get('/openapi.yaml');

    expect(res.status).to.equal(200);
    expect(res.headers['content-type']).to.match(/yaml/);
    expect(res.text).to.equal(await readFile(OPENAPI_PATH, 'utf8'));
    expect((parse(res.text) as { openapi: string }).openapi).to.match(/^3\./);
  });

  it('GET /docs redirects to Swagger UI, which serves its HTML page', async () => {
    const redirect = await svc.http.get('/docs');
    expect(redirect.status).to.be.oneOf([301, 302, 307, 308]);

    const res = await svc.http.get('/docs').redirects(2);

    expect(res.status).to.equal(200);
    expect(res.headers['content-type']).to.match(/^text\/html/);
    expect(res.text).to.include('swagger-ui');
  });

  it('returns a 404 problem for an unknown route', async () => {
    const res = await svc.http.get('/no/such/route');

    expect(res.status).to.equal(404);
    expect(res.headers['content-type']).to.match(/^application\/problem\+json/);
    expect(res.body).to.include({ status: 404 });
    expect(res.body.type).to.be.a('string');
    expect(res.body.title).to.be.a('string');
  });

  it('returns a 405 problem listing the allowed methods for an unknown method on a known path', async () => {
    const res = await svc.http.delete('/evaluate').set('Authorization', `Bearer ${svc.token()}`);

    expect(res.status).to.equal(405);
    expect(res.headers.allow).to.equal('POST');
    expect(res.headers['content-type']).to.match(/^application\/problem\+json/);
    expect(res.body).to.include({ status: 405, title: 'Method not allowed' });
    expect(res.text).to.not.match(/at .*\.ts:\d+/);
  });

  it('returns 405, not 404, for a POST to a recommendation', async () => {
    const res = await svc.http.post('/recommendation/abc').set('Authorization', `Bearer ${svc.token()}`).send({});

    expect(res.status).to.equal(405);
    expect(res.headers.allow).to.equal('GET');
  });

  describe('X-Request-Id', () => {
    const requests: Array<[string, (svc: TestService) => Promise<{ status: number; headers: Record<string, string> }>, number]> = [
      ['GET /health/live', (s) => s.http.get('/health/live'), 200],
      ['GET /health/ready', (s) => s.http.get('/health/ready'), 200],
      ['GET /metrics', (s) => s.http.get('/metrics'), 200],
      ['GET /openapi.yaml', (s) => s.http.get('/openapi.yaml'), 200],
      ['POST /evaluate', (s) => s.http.post('/evaluate').set('Authorization', `Bearer ${s.token()}`).send({ patient_id: uniquePatientId(), age: 30 }), 201],
      ['an unknown route (404)', (s) => s.http.get('/nowhere'), 404],
      ['a request without a token (401)', (s) => s.http.get('/rules'), 401],
      ['a request without the scope (403)', (s) => s.http.get('/rules').set('Authorization', `Bearer ${s.token(['reports:read'])}`), 403],
      ['an invalid body (400)', (s) => s.http.post('/evaluate').set('Authorization', `Bearer ${s.token()}`).send({ age: 30 }), 400],
    ];

    for (const [name, call, status] of requests) {
      it(`is set on ${name}`, async () => {
        const res = await call(svc);

        expect(res.status).to.equal(status);
        expect(res.headers['x-request-id']).to.be.a('string').and.match(/^[\x21-\x7E]{1,128}$/);
      });
    }

    it('differs between requests', async () => {
      const a = await svc.http.get('/health/live');
      const b = await svc.http.get('/health/live');
      expect(a.headers['x-request-id']).to.not.equal(b.headers['x-request-id']);
    });

    it('echoes the client id, also on errors, and names it in the problem', async () => {
      const res = await svc.http.get('/rules').set('X-Request-Id', 'ops-trace-401');

      expect(res.status).to.equal(401);
      expect(res.headers['x-request-id']).to.equal('ops-trace-401');
      expect(res.body.request_id).to.equal('ops-trace-401');
    });

    it('replaces a client id that is unsafe to log', async () => {
      const res = await svc.http.get('/health/live').set('X-Request-Id', 'x'.repeat(200));

      expect(res.headers['x-request-id']).to.be.a('string').and.not.equal('x'.repeat(200));
      expect(String(res.headers['x-request-id']).length).to.be.at.most(128);
    });
  });
});
