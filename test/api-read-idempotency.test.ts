import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { expectMatchesSpec } from './helpers/openapi-contract.js';
import { startTestService, uniquePatientId, type TestService } from './helpers/api-service.js';
import { readingClient, type RecommendationBody } from './helpers/reading-client.js';

// A retried POST /evaluate with an Idempotency-Key, checked through what the read endpoints show.

describe('Reading recommendations', () => {
  let svc: TestService;
  before(async () => {
    svc = await startTestService();
  });
  after(async () => svc.stop());

  const { auth, evaluate, history } = readingClient(() => svc);

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
