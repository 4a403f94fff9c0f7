import { expect } from 'chai';
import { eventFor } from '../../../core/domain/recommendation.js';
import type { RecommendationStore } from '../../../core/store/store.js';
import { aRecommendation } from '../fixtures.js';
import { cdsFeedbackContract } from './cds-feedback.js';
import { audit, claim, sendNotification, type ContractContext, type StoreHarness } from './context.js';
import { historyContract } from './history.js';
import { idempotencyContract } from './idempotency.js';
import { outboxContract } from './outbox.js';
import { provenanceContract } from './provenance.js';
import { recommendationsContract } from './recommendations.js';
import { workerTasksContract } from './worker-tasks.js';

export type { StoreHarness } from './context.js';

/**
 * The behaviour of `RecommendationStore`, written once and run against every
 * adapter (test/store.contract.test.ts). Tests share one store per adapter and
 * never wipe it: each makes its own patients, ids, idempotency keys and report days.
 */
export function storeContract(name: string, makeHarness: () => Promise<StoreHarness>): void {
  describe(`${name} store contract`, () => {
    const ctx = {} as ContractContext;
    let harness: StoreHarness;
    let store: RecommendationStore;

    before(async () => {
      harness = await makeHarness();
      store = await harness.open();
      Object.assign(ctx, { harness, store });
    });
    after(async () => {
      // Nothing to clean when the adapter never opened (server unreachable).
      if (!store) return;
      await store.close();
      await harness.dispose();
    });

    it('answers ping', async () => {
      await store.ping();
    });

    recommendationsContract(ctx);
    historyContract(ctx);
    idempotencyContract(ctx);
    outboxContract(ctx);
    workerTasksContract(ctx);
    provenanceContract(ctx);
    cdsFeedbackContract(ctx);

    it('keeps everything across close and reopen', async () => {
      const writer = await harness.open();
      const rec = aRecommendation();
      const key = claim();
      const record = audit(rec);
      await writer.createRecommendation(rec, eventFor(rec), key);
      const email = await sendNotification(writer, rec.id, 'email', new Date().toISOString());
      await writer.recordAudit(record);
      await writer.close();

      const reader = await harness.open();
      try {
        const stored = { ...rec, notifications: [email] };
        expect(await reader.getRecommendation(rec.id)).to.deep.equal(stored);
        expect(await reader.getAudit(rec.id)).to.deep.equal(record);
        const replay = await reader.createRecommendation(aRecommendation(), eventFor(rec), key);
        expect(replay).to.deep.equal({ outcome: 'replayed', recommendation: stored });
        expect((await reader.pendingEvents(100_000)).map((e) => e.recommendationId)).to.include(rec.id);
      } finally {
        await reader.close();
      }
    });
  });
}
