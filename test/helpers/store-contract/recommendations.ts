import { randomInt, randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { eventFor, patientKey } from '../../../core/domain/recommendation.js';
import { toRecord } from '../../../core/store/recommendation-record.js';
import type { RecommendationStore } from '../../../core/store/store.js';
import { aRecommendation } from '../fixtures.js';
import { contractOps, sendNotification, type ContractContext } from './context.js';

/** Storing a recommendation and reading it back, whole (getRecommendation) or as its record (getRecord). */
export function recommendationsContract(ctx: ContractContext): void {
  let store: RecommendationStore;
  before(() => {
    store = ctx.store;
  });
  const { create } = contractOps(ctx);

  describe('createRecommendation and getRecommendation', () => {
    it('stores a recommendation and reads it back unchanged', async () => {
      const rec = aRecommendation();
      expect(await create(rec)).to.deep.equal({ outcome: 'created', recommendation: rec });
      expect(await store.getRecommendation(rec.id)).to.deep.equal(rec);
    });

    it('returns undefined for an unknown id', async () => {
      expect(await store.getRecommendation(randomUUID())).to.equal(undefined);
    });

    it('echoes patient_id in the type it was sent, and 123 and "123" share one history', async () => {
      const n = randomInt(1, 2 ** 47);
      const asNumber = aRecommendation({ patient_id: n, created_at: '2025-01-01T00:00:00.000Z' });
      const asString = aRecommendation({ patient_id: String(n), created_at: '2025-01-02T00:00:00.000Z' });
      await create(asNumber);
      await create(asString);
      expect((await store.getRecommendation(asNumber.id))?.patient_id).to.equal(n);
      expect((await store.getRecommendation(asString.id))?.patient_id).to.equal(String(n));
      const page = await store.listPatientRecommendations(patientKey(n), 10);
      expect(page.items.map((r) => r.patient_id)).to.deep.equal([String(n), n]);
    });

    it('stores a recommendation with no fired rule', async () => {
      const rec = aRecommendation({ recommendation: null, recommendations: [] });
      await create(rec);
      expect(await store.getRecommendation(rec.id)).to.deep.equal(rec);
    });

    it('stores the pending event together with the recommendation', async () => {
      const rec = aRecommendation();
      await create(rec);
      const pending = (await store.pendingEvents(100_000)).find((e) => e.recommendationId === rec.id);
      expect(pending).to.deep.equal({ recommendationId: rec.id, event: eventFor(rec), attempts: 0 });
    });

    it('joins notifications into the recommendation in channel order, whenever each was sent', async () => {
      const rec = aRecommendation();
      await create(rec);
      const sms = await sendNotification(store, rec.id, 'sms', '2025-02-17T10:00:01.000Z');
      const email = await sendNotification(store, rec.id, 'email', '2025-02-17T10:00:02.000Z');
      expect((await store.getRecommendation(rec.id))?.notifications).to.deep.equal([email, sms]);
    });
  });

  describe('getRecord', () => {
    it('reads back the stored decision, without the notifications recorded since', async () => {
      const rec = aRecommendation({ patient_id: randomInt(1, 2 ** 47) });
      await create(rec);
      await sendNotification(store, rec.id, 'email', '2025-02-17T10:00:01.000Z');
      expect(await store.getRecord(rec.id)).to.deep.equal(toRecord(rec));
    });

    it('returns undefined for an unknown id', async () => {
      expect(await store.getRecord(randomUUID())).to.equal(undefined);
    });
  });
}
