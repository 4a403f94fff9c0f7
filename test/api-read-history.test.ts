import { expect } from 'chai';
import { expectMatchesSpec } from './helpers/openapi-contract.js';
import { startTestService, uniquePatientId, type TestService } from './helpers/api-service.js';
import { newestFirst, readingClient, uniqueNumericPatientId, type RecommendationBody } from './helpers/reading-client.js';

// A patient's history: order, paging by limit and cursor, and the query it refuses.

describe('Reading recommendations', () => {
  let svc: TestService;
  before(async () => {
    svc = await startTestService();
  });
  after(async () => svc.stop());

  const { evaluate, history } = readingClient(() => svc);

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
});
