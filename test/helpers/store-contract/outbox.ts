import { randomInt } from 'node:crypto';
import { expect } from 'chai';
import type { RecommendationStore } from '../../../core/store/store.js';
import { aRecommendation } from '../fixtures.js';
import { contractOps, type ContractContext } from './context.js';

/** The outbox: events written with their recommendation, waiting to be published. */
export function outboxContract(ctx: ContractContext): void {
  let store: RecommendationStore;
  before(() => {
    store = ctx.store;
  });
  const { create, pendingIds } = contractOps(ctx);

  describe('outbox', () => {
    it('lists pending events oldest first', async () => {
      const recs = [3, 1, 2].map((s) => aRecommendation({ created_at: `2000-01-01T00:00:0${s}.${randomInt(100, 999)}Z` }));
      for (const rec of recs) await create(rec);
      const mine = new Set(recs.map((r) => r.id));
      const order = (await pendingIds()).filter((id) => mine.has(id));
      expect(order).to.deep.equal([recs[1]?.id, recs[2]?.id, recs[0]?.id]);
    });

    it('counts failed attempts, and forgets an event once published', async () => {
      const before = await store.countPendingEvents();
      const rec = aRecommendation();
      await create(rec);
      expect(await store.countPendingEvents()).to.equal(before + 1);
      await store.markEventPublishFailed(rec.id);
      await store.markEventPublishFailed(rec.id);
      const pending = (await store.pendingEvents(100_000)).find((e) => e.recommendationId === rec.id);
      expect(pending?.attempts).to.equal(2);
      await store.markEventPublished(rec.id);
      await store.markEventPublished(rec.id);
      expect(await pendingIds()).not.to.include(rec.id);
      expect(await store.countPendingEvents()).to.equal(before);
    });

    it('honours the limit', async () => {
      await create(aRecommendation());
      await create(aRecommendation());
      expect(await store.pendingEvents(1)).to.have.length(1);
    });
  });
}
