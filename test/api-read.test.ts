import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { expect } from 'chai';
import { expectMatchesSpec } from './helpers/openapi-contract.js';
import { startTestService, uniquePatientId, type TestService } from './helpers/api-service.js';

interface RecommendationBody {
  id: string;
  patient_id: string | number;
  created_at: string;
  recommendations: Array<{ code: string }>;
  ruleset: { name: string; version: string; hash: string };
  notifications: Array<{ channel: string }>;
}

let numericPatientCounter = 0;
/** An integer patient id no other test uses. */
function uniqueNumericPatientId(): number {
  numericPatientCounter += 1;
  return (Date.now() % 1e9) * 100 + numericPatientCounter;
}

describe('Reading recommendations', () => {
  let svc: TestService;
  before(async () => {
    svc = await startTestService();
  });
  after(async () => svc.stop());

  const auth = () => `Bearer ${svc.token()}`;

  async function evaluate(body: Record<string, unknown>): Promise<RecommendationBody> {
    const res = await svc.http.post('/evaluate').set('Authorization', auth()).send(body);
    expect(res.status, res.text).to.equal(201);
    return res.body as RecommendationBody;
  }

  function history(patientId: string | number, query = '') {
    return svc.http.get(`/patients/${patientId}/recommendations${query}`).set('Authorization', auth());
  }

  /** The store's order: newest first, ties on the same millisecond broken by id. */
  function newestFirst(recs: RecommendationBody[]): string[] {
    return [...recs]
      .sort((a, b) => (a.created_at !== b.created_at ? b.created_at.localeCompare(a.created_at) : b.id.localeCompare(a.id)))
      .map((r) => r.id);
  }

  describe('GET /recommendation/{id}', () => {
    it('returns 200 and the stored recommendation, matching the spec', async () => {
      const created = await evaluate({ patient_id: uniquePatientId(), age: 72, chronic_pain: true, bmi: 33 });

      const res = await svc.http.get(`/recommendation/${created.id}`).set('Authorization', auth());

      expect(res.status).to.equal(200);
      expect(res.headers['content-type']).to.match(/^application\/json/);
      expectMatchesSpec(res, '/recommendation/{id}', 'get');
      const { notifications: _n, ...stored } = res.body as RecommendationBody;
      const { notifications: _c, ...decided } = created;
      expect(stored).to.deep.equal(decided);
    });

    it('shows each channel\'s notification as sent once the worker has processed the event', async () => {
      const created = await evaluate({ patient_id: uniquePatientId(), age: 30, recent_surgery: true });
      await svc.processed(created.id);

      const res = await svc.http.get(`/recommendation/${created.id}`).set('Authorization', auth());

      expect(res.status).to.equal(200);
      expectMatchesSpec(res, '/recommendation/{id}', 'get');
      const notifications = res.body.notifications as Array<{ channel: string; status: string; sent_at: string }>;
      expect(notifications.map((n) => `${n.channel}:${n.status}`)).to.deep.equal(['email:sent', 'sms:sent']);
      for (const n of notifications) expect(Date.parse(n.sent_at)).to.be.at.least(Date.parse(created.created_at));
    });

    it('serves a settled recommendation from the cache with the same body and headers as from the store', async () => {
      const created = await evaluate({ patient_id: uniquePatientId(), age: 70, chronic_pain: true });
      await svc.processed(created.id);

      const fromStore = await svc.http.get(`/recommendation/${created.id}`).set('Authorization', auth());
      const fromCache = await svc.http.get(`/recommendation/${created.id}`).set('Authorization', auth());

      expect(fromCache.status).to.equal(200);
      expect(fromCache.headers['content-type']).to.equal(fromStore.headers['content-type']);
      expect(fromCache.headers['content-type']).to.equal('application/json; charset=utf-8');
      expect(fromCache.text).to.equal(fromStore.text);
      expectMatchesSpec(fromCache, '/recommendation/{id}', 'get');
    });

    it('returns a 400 problem naming a query parameter the operation does not take', async () => {
      const created = await evaluate({ patient_id: uniquePatientId(), age: 40 });

      const res = await svc.http.get(`/recommendation/${created.id}?fields=all`).set('Authorization', auth());

      expect(res.status).to.equal(400);
      expect(res.body.errors.map((e: { path: string }) => e.path)).to.deep.equal(['/query/fields']);
    });

    it('returns a 404 problem for an unknown id', async () => {
      const res = await svc.http.get(`/recommendation/${randomUUID()}`).set('Authorization', auth());

      expect(res.status).to.equal(404);
      expect(res.headers['content-type']).to.match(/^application\/problem\+json/);
      expect(res.body).to.include({ status: 404 });
      expectMatchesSpec(res, '/recommendation/{id}', 'get');
    });

    it('returns a 400 problem for an id with characters no id has', async () => {
      const res = await svc.http.get('/recommendation/abc%24def').set('Authorization', auth());

      expect(res.status).to.equal(400);
      expect(res.headers['content-type']).to.match(/^application\/problem\+json/);
      expectMatchesSpec(res, '/recommendation/{id}', 'get');
    });
  });

  describe('GET /patients/{patient_id}/recommendations', () => {
    it('lists a patient\'s recommendations newest first, and only theirs', async () => {
      const patientId = uniquePatientId();
      const created: RecommendationBody[] = [];
      for (const age of [20, 30, 40]) created.push(await evaluate({ patient_id: patientId, age }));
      await evaluate({ patient_id: uniquePatientId(), age: 50 });

      const res = await history(patientId);

      expect(res.status).to.equal(200);
      expectMatchesSpec(res, '/patients/{patient_id}/recommendations', 'get');
      expect(res.body.items.map((r: RecommendationBody) => r.id)).to.deep.equal(newestFirst(created));
      expect(res.body).to.not.have.property('next_cursor');
      const createdAt = res.body.items.map((r: RecommendationBody) => r.created_at);
      expect(createdAt).to.deep.equal([...createdAt].sort().reverse());
    });

    it('returns 20 items by default and a next_cursor when there are more', async () => {
      const patientId = uniquePatientId();
      for (let i = 0; i < 21; i += 1) await evaluate({ patient_id: patientId, age: 40 });

      const res = await history(patientId);

      expect(res.status).to.equal(200);
      expect(res.body.items).to.have.length(20);
      expect(res.body.next_cursor).to.be.a('string').with.length.above(0);
      expectMatchesSpec(res, '/patients/{patient_id}/recommendations', 'get');
    });

    it('accepts limit 1 and limit 100', async () => {
      const patientId = uniquePatientId();
      await evaluate({ patient_id: patientId, age: 40 });
      await evaluate({ patient_id: patientId, age: 41 });

      const one = await history(patientId, '?limit=1');
      const hundred = await history(patientId, '?limit=100');

      expect(one.status).to.equal(200);
      expect(one.body.items).to.have.length(1);
      expect(one.body.next_cursor).to.be.a('string');
      expect(hundred.status).to.equal(200);
      expect(hundred.body.items).to.have.length(2);
      expect(hundred.body).to.not.have.property('next_cursor');
    });

    for (const limit of ['0', '101', 'abc', '-1', '1.5']) {
      it(`returns a 400 problem naming /query/limit for limit=${limit}`, async () => {
        const res = await history(uniquePatientId(), `?limit=${limit}`);

        expect(res.status).to.equal(400);
        expect(res.headers['content-type']).to.match(/^application\/problem\+json/);
        expect(res.body.errors.map((e: { path: string }) => e.path)).to.include('/query/limit');
        expectMatchesSpec(res, '/patients/{patient_id}/recommendations', 'get');
      });
    }

    it('returns a 400 problem naming an unknown query parameter', async () => {
      const res = await history(uniquePatientId(), '?limit=5&sort=asc');

      expect(res.status).to.equal(400);
      expect(res.body.errors.map((e: { path: string }) => e.path)).to.deep.equal(['/query/sort']);
      expectMatchesSpec(res, '/patients/{patient_id}/recommendations', 'get');
    });

    it('returns a 400 problem naming /query/limit when limit is given twice', async () => {
      const res = await history(uniquePatientId(), '?limit=5&limit=6');

      expect(res.status).to.equal(400);
      expect(res.body.errors.map((e: { path: string }) => e.path)).to.include('/query/limit');
    });

    it('pages through 5 recommendations 2 at a time as 2, 2, 1 without duplicates or omissions', async () => {
      const patientId = uniquePatientId();
      const created: RecommendationBody[] = [];
      for (let i = 0; i < 5; i += 1) created.push(await evaluate({ patient_id: patientId, age: 40 + i }));

      const pages: RecommendationBody[][] = [];
      let cursor: string | undefined;
      do {
        const query = `?limit=2${cursor === undefined ? '' : `&cursor=${encodeURIComponent(cursor)}`}`;
        const res = await history(patientId, query);
        expect(res.status, res.text).to.equal(200);
        expectMatchesSpec(res, '/patients/{patient_id}/recommendations', 'get');
        pages.push(res.body.items as RecommendationBody[]);
        cursor = res.body.next_cursor as string | undefined;
      } while (cursor !== undefined && pages.length < 10);

      expect(pages.map((p) => p.length)).to.deep.equal([2, 2, 1]);
      expect(pages.flat().map((r) => r.id)).to.deep.equal(newestFirst(created));
    });

    it('gives the integer patient 123 and the string "123" one shared history, echoing each as sent', async () => {
      const numeric = uniqueNumericPatientId();
      const asInteger = await evaluate({ patient_id: numeric, age: 40 });
      const asString = await evaluate({ patient_id: String(numeric), age: 41 });

      const res = await history(numeric);

      expect(res.status).to.equal(200);
      expectMatchesSpec(res, '/patients/{patient_id}/recommendations', 'get');
      const byId = new Map((res.body.items as RecommendationBody[]).map((r) => [r.id, r.patient_id]));
      expect(byId.size).to.equal(2);
      expect(byId.get(asInteger.id)).to.equal(numeric);
      expect(byId.get(asString.id)).to.equal(String(numeric));
    });

    it('returns a 400 problem naming /query/cursor for a garbage cursor', async () => {
      const res = await history(uniquePatientId(), '?cursor=not-a-real-cursor');

      expect(res.status).to.equal(400);
      expect(res.headers['content-type']).to.match(/^application\/problem\+json/);
      expect(res.body.errors.map((e: { path: string }) => e.path)).to.include('/query/cursor');
      expectMatchesSpec(res, '/patients/{patient_id}/recommendations', 'get');
    });

    it('returns a 400 problem for a well-encoded cursor this API did not issue', async () => {
      const forged = Buffer.from(JSON.stringify({ t: "2025-01-01' OR 1=1 --", i: 'x' })).toString('base64url');

      const res = await history(uniquePatientId(), `?cursor=${forged}`);

      expect(res.status).to.equal(400);
      expect(res.body.errors.map((e: { path: string }) => e.path)).to.include('/query/cursor');
    });

    it('returns 200 with no items for a patient with no recommendations', async () => {
      const res = await history(uniquePatientId());

      expect(res.status).to.equal(200);
      expect(res.body).to.deep.equal({ items: [] });
      expectMatchesSpec(res, '/patients/{patient_id}/recommendations', 'get');
    });

    it('returns a 400 problem for a patient id the API would never accept', async () => {
      const res = await history('a%20b');

      expect(res.status).to.equal(400);
      expect(res.headers['content-type']).to.match(/^application\/problem\+json/);
      expectMatchesSpec(res, '/patients/{patient_id}/recommendations', 'get');
    });
  });

  describe('GET /rules', () => {
    it('returns the active ruleset stamped on new recommendations, and the shipped file', async () => {
      const created = await evaluate({ patient_id: uniquePatientId(), age: 40 });

      const res = await svc.http.get('/rules').set('Authorization', `Bearer ${svc.token(['rules:read'])}`);

      expect(res.status).to.equal(200);
      expectMatchesSpec(res, '/rules', 'get');
      expect(res.body.active).to.include({ name: created.ruleset.name, version: created.ruleset.version, hash: created.ruleset.hash });
      expect(res.body.active.rules.map((r: { code: string }) => r.code)).to.include.members([
        'PHYSICAL_THERAPY',
        'WEIGHT_MANAGEMENT_PROGRAM',
        'POST_OP_REHABILITATION_PLAN',
      ]);
      const versions = res.body.versions as Array<{ file: string; version: string; status: string; error?: string }>;
      const active = versions.filter((v) => v.status === 'active');
      expect(active).to.have.length(1);
      expect(active[0]?.version).to.equal(res.body.active.version);
      const shipped = versions.find((v) => path.basename(v.file) === '1.0.0.json');
      expect(shipped, 'rules/1.0.0.json is listed').to.not.equal(undefined);
      expect(shipped).to.include({ version: '1.0.0' });
      expect(shipped?.status).to.be.oneOf(['active', 'valid']);
      expect(shipped).to.not.have.property('error');
      expect(res.body.last_reload.ok).to.equal(true);
    });
  });

  describe('Idempotency-Key', () => {
    function evaluateWithKey(key: string, body: Record<string, unknown>, subject?: string) {
      return svc.http
        .post('/evaluate')
        .set('Authorization', `Bearer ${svc.token(undefined, subject)}`)
        .set('Idempotency-Key', key)
        .send(body);
    }

    function notificationLogLines(recommendationId: string): number {
      return svc.logs.filter((l) => l.message === 'patient notified (simulated)' && l.recommendation_id === recommendationId).length;
    }

    it('replays the original recommendation with 200 for the same key and body, storing and notifying once', async () => {
      const patientId = uniquePatientId();
      const key = `retry-${randomUUID()}`;
      const body = { patient_id: patientId, age: 70, chronic_pain: true };

      const first = await evaluateWithKey(key, body);
      await svc.processed(first.body.id);
      const retry = await evaluateWithKey(key, { chronic_pain: true, age: 70, patient_id: patientId });
      // Anything the retry had queued would be processed before a later event.
      const later = await evaluate({ patient_id: uniquePatientId(), age: 40 });
      await svc.processed(later.id);

      expect(first.status).to.equal(201);
      expect(retry.status, retry.text).to.equal(200);
      expectMatchesSpec(retry, '/evaluate', 'post');
      expect(retry.body.id).to.equal(first.body.id);
      expect(retry.headers.location).to.equal(`/recommendation/${first.body.id}`);
      const list = await history(patientId);
      expect(list.body.items.map((r: RecommendationBody) => r.id)).to.deep.equal([first.body.id]);
      const read = await svc.http.get(`/recommendation/${first.body.id}`).set('Authorization', auth());
      expect(read.body.notifications).to.have.length(2);
      expect(notificationLogLines(first.body.id), 'one per channel').to.equal(2);
    });

    it('returns a 422 problem for the same key with a different body, and stores nothing new', async () => {
      const patientId = uniquePatientId();
      const key = `conflict-${randomUUID()}`;
      const first = await evaluateWithKey(key, { patient_id: patientId, age: 70 });

      const res = await evaluateWithKey(key, { patient_id: patientId, age: 71 });

      expect(first.status).to.equal(201);
      expect(res.status).to.equal(422);
      expect(res.headers['content-type']).to.match(/^application\/problem\+json/);
      expect(res.body).to.include({ status: 422 });
      expectMatchesSpec(res, '/evaluate', 'post');
      const list = await history(patientId);
      expect(list.body.items).to.have.length(1);
    });

    it('scopes the key to the token subject: another subject gets its own recommendation', async () => {
      const patientId = uniquePatientId();
      const key = `shared-${randomUUID()}`;
      const body = { patient_id: patientId, age: 70 };

      const mine = await evaluateWithKey(key, body, 'client-a');
      const theirs = await evaluateWithKey(key, body, 'client-b');

      expect(mine.status).to.equal(201);
      expect(theirs.status).to.equal(201);
      expect(theirs.body.id).to.not.equal(mine.body.id);
      const list = await history(patientId);
      expect(list.body.items).to.have.length(2);
    });
  });
});

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
    expect(res.body).to.deep.equal({ from: '2000-01-01', to: '2000-12-31', total: 0, by_code: {}, by_ruleset_version: {}, daily: [] });
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
