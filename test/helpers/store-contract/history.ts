import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { v7 as uuidv7 } from 'uuid';
import { patientKey } from '../../../core/domain/recommendation.js';
import { decodeCursor, encodeCursor } from '../../../core/store/history-cursor.js';
import type { RecommendationStore } from '../../../core/store/store.js';
import { aRecommendation } from '../fixtures.js';
import { contractOps, sendNotification, type ContractContext } from './context.js';

/** A patient's history, paged newest first by an opaque cursor. */
export function historyContract(ctx: ContractContext): void {
  let store: RecommendationStore;
  before(() => {
    store = ctx.store;
  });
  const { create, historyIds } = contractOps(ctx);

  describe('listPatientRecommendations', () => {
    it('pages newest first, ties in created_at broken by id, without gaps or repeats', async () => {
      const patient = `p-${randomUUID()}`;
      const times = ['2025-03-01T00:00:00.000Z', '2025-03-02T00:00:00.000Z', '2025-03-03T00:00:00.000Z'];
      const recs = [0, 0, 1, 1, 1, 2, 2].map((t) => aRecommendation({ patient_id: patient, created_at: times[t] }));
      for (const rec of recs) await create(rec);
      const expected = [...recs]
        .sort((a, b) => (a.created_at === b.created_at ? (a.id < b.id ? 1 : -1) : a.created_at < b.created_at ? 1 : -1))
        .map((r) => r.id);

      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await store.listPatientRecommendations(patient, 2, cursor ? decodeCursor(cursor) : undefined);
        pages += 1;
        seen.push(...page.items.map((r) => r.id));
        cursor = page.next && encodeCursor(page.next);
      } while (cursor);
      expect(seen).to.deep.equal(expected);
      expect(pages).to.equal(4);
    });

    it('lists recommendations created in the same millisecond newest first, by their time-ordered ids', async () => {
      const patient = `p-${randomUUID()}`;
      const sameMillisecond = new Date().toISOString();
      const recs = Array.from({ length: 5 }, () =>
        aRecommendation({ id: uuidv7(), patient_id: patient, created_at: sameMillisecond }),
      );
      await Promise.all(recs.map((rec) => create(rec)));
      expect(await historyIds(patient)).to.deep.equal(recs.map((r) => r.id).reverse());
    });

    it('has no next when the last page is exactly full', async () => {
      const patient = `p-${randomUUID()}`;
      await create(aRecommendation({ patient_id: patient }));
      await create(aRecommendation({ patient_id: patient }));
      const page = await store.listPatientRecommendations(patient, 2);
      expect(page.items).to.have.length(2);
      expect(page).not.to.have.property('next');
    });

    it('returns an empty page for an unknown patient', async () => {
      expect(await store.listPatientRecommendations(`p-${randomUUID()}`, 20)).to.deep.equal({ items: [] });
    });

    it('includes each item with its notifications', async () => {
      const rec = aRecommendation();
      await create(rec);
      const email = await sendNotification(store, rec.id, 'email', new Date().toISOString());
      const page = await store.listPatientRecommendations(patientKey(rec.patient_id), 20);
      expect(page.items).to.deep.equal([{ ...rec, notifications: [email] }]);
    });
  });
}
