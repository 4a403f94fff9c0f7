import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { expectMatchesSpec } from './helpers/openapi-contract.js';
import { startTestService, uniquePatientId, type TestService } from './helpers/api-service.js';
import { readingClient, type RecommendationBody } from './helpers/reading-client.js';

// One recommendation by id: from the store, with its notifications once sent, and from the cache.

describe('Reading recommendations', () => {
  let svc: TestService;
  before(async () => {
    svc = await startTestService();
  });
  after(async () => svc.stop());

  const { auth, evaluate } = readingClient(() => svc);

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
});
