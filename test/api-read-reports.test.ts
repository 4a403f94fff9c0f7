import { expect } from 'chai';
import { expectMatchesSpec } from './helpers/openapi-contract.js';
import { startTestService, uniquePatientId, type TestService } from './helpers/api-service.js';

// The summary report's counts, and the date ranges it refuses.

describe('GET /reports/summary', () => {
  let svc: TestService;
  let day: string;
  before(async () => {
    // A service of its own: its counts hold only what these tests create.
    svc = await startTestService();
    const bodies = [
      { patient_id: uniquePatientId(), age: 70, chronic_pain: true },
      { patient_id: uniquePatientId(), age: 80, chronic_pain: true, bmi: 35 },
      { patient_id: uniquePatientId(), age: 40, bmi: 31 },
      { patient_id: uniquePatientId(), age: 30 },
    ];
    const ids: string[] = [];
    for (const body of bodies) {
      const res = await svc.http.post('/evaluate').set('Authorization', `Bearer ${svc.token()}`).send(body);
      expect(res.status, res.text).to.equal(201);
      ids.push(res.body.id as string);
      day = (res.body.created_at as string).slice(0, 10);
    }
    await Promise.all(ids.map((id) => svc.processed(id)));
  });
  after(async () => svc.stop());

  function summary(query = '') {
    return svc.http.get(`/reports/summary${query}`).set('Authorization', `Bearer ${svc.token(['reports:read'])}`);
  }

  it('counts processed recommendations by code, in total and per day', async () => {
    const res = await summary();

    expect(res.status).to.equal(200);
    expectMatchesSpec(res, '/reports/summary', 'get');
    expect(res.body).to.include({ from: null, to: null, total: 4 });
    expect(res.body.by_code).to.deep.equal({ PHYSICAL_THERAPY: 2, WEIGHT_MANAGEMENT_PROGRAM: 2 });
    expect(res.body.by_ruleset_version).to.deep.equal({ '1.0.0': 4 });
    expect(res.body.daily).to.deep.equal([
      { date: day, total: 4, by_code: { PHYSICAL_THERAPY: 2, WEIGHT_MANAGEMENT_PROGRAM: 2 }, by_ruleset_version: { '1.0.0': 4 } },
    ]);
  });

  it('includes today when from and to are today', async () => {
    const res = await summary(`?from=${day}&to=${day}`);

    expect(res.status).to.equal(200);
    expectMatchesSpec(res, '/reports/summary', 'get');
    expect(res.body).to.include({ from: day, to: day, total: 4 });
  });

  it('counts nothing for a range in the past', async () => {
    const res = await summary('?from=2000-01-01&to=2000-12-31');

    expect(res.status).to.equal(200);
    expectMatchesSpec(res, '/reports/summary', 'get');
    expect(res.body).to.deep.equal({ from: '2000-01-01', to: '2000-12-31', total: 0, by_code: {}, by_ruleset_version: {}, daily: [], feedback: {} });
  });

  it('counts nothing when from is after today', async () => {
    const res = await summary('?from=2999-01-01');

    expect(res.status).to.equal(200);
    expect(res.body.total).to.equal(0);
  });

  it('returns a 400 problem when from is after to', async () => {
    const res = await summary('?from=2025-02-02&to=2025-02-01');

    expect(res.status).to.equal(400);
    expect(res.headers['content-type']).to.match(/^application\/problem\+json/);
    expect(res.body.errors.map((e: { path: string }) => e.path)).to.include('/query/from');
    expectMatchesSpec(res, '/reports/summary', 'get');
  });

  for (const [param, value] of [
    ['from', 'yesterday'],
    ['to', '2025-2-1'],
    ['from', '2025-02-01T00:00:00Z'],
    ['from', '2025-13-01'],
    ['to', '2025-02-30'],
  ] as const) {
    it(`returns a 400 problem naming /query/${param} for the malformed date ${param}=${value}`, async () => {
      const res = await summary(`?${param}=${encodeURIComponent(value)}`);

      expect(res.status, res.text).to.equal(400);
      expect(res.headers['content-type']).to.match(/^application\/problem\+json/);
      expect(res.body.errors.map((e: { path: string }) => e.path)).to.include(`/query/${param}`);
      expectMatchesSpec(res, '/reports/summary', 'get');
    });
  }
});
