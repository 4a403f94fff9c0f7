import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import type { RecommendationStore } from '../../../core/store/store.js';
import { aRecommendation } from '../fixtures.js';
import { claim, contractOps, HOUR, sendNotification, type ContractContext } from './context.js';

/** Idempotency keys: a retry replays the original, another body conflicts, races settle on one winner. */
export function idempotencyContract(ctx: ContractContext): void {
  let store: RecommendationStore;
  before(() => {
    store = ctx.store;
  });
  const { create, pendingIds, historyIds } = contractOps(ctx);

  describe('idempotency keys', () => {
    it('replays the original for the same key and body, writing nothing new', async () => {
      const key = claim();
      const first = aRecommendation();
      const retry = aRecommendation({ patient_id: first.patient_id });
      expect((await create(first, key)).outcome).to.equal('created');
      expect(await create(retry, key)).to.deep.equal({ outcome: 'replayed', recommendation: first });
      expect(await store.getRecommendation(retry.id)).to.equal(undefined);
      expect(await historyIds(first.patient_id)).to.deep.equal([first.id]);
      const pending = await pendingIds();
      expect(pending).to.include(first.id);
      expect(pending).not.to.include(retry.id);
    });

    it('replays the original with the notifications recorded since', async () => {
      const key = claim();
      const first = aRecommendation();
      await create(first, key);
      const email = await sendNotification(store, first.id, 'email', new Date().toISOString());
      const replay = await create(aRecommendation(), key);
      expect(replay).to.deep.equal({ outcome: 'replayed', recommendation: { ...first, notifications: [email] } });
    });

    it('reports a conflict for the same key with another body, writing nothing', async () => {
      const key = claim();
      await create(aRecommendation(), key);
      const other = aRecommendation();
      expect(await create(other, { ...key, fingerprint: 'fp-2' })).to.deep.equal({ outcome: 'conflict' });
      expect(await store.getRecommendation(other.id)).to.equal(undefined);
      expect(await pendingIds()).not.to.include(other.id);
    });

    it('treats an expired claim as absent and claims the key anew', async () => {
      const expired = claim({ expiresAt: new Date(Date.now() - 1000) });
      await create(aRecommendation(), expired);
      const fresh = { ...expired, fingerprint: 'fp-2', expiresAt: new Date(Date.now() + HOUR) };
      const second = aRecommendation();
      expect((await create(second, fresh)).outcome).to.equal('created');
      expect(await create(aRecommendation(), fresh)).to.deep.equal({ outcome: 'replayed', recommendation: second });
    });

    it('scopes a key to its subject', async () => {
      const key = claim();
      await create(aRecommendation(), key);
      const outcome = await create(aRecommendation(), { ...key, subject: `sub-${randomUUID()}`, fingerprint: 'fp-2' });
      expect(outcome.outcome).to.equal('created');
    });

    it('creates once when concurrent requests race with the same key', async () => {
      const key = claim();
      const patient = `p-${randomUUID()}`;
      const results = await Promise.all(
        Array.from({ length: 5 }, () => create(aRecommendation({ patient_id: patient }), key)),
      );
      const created = results.filter((r) => r.outcome === 'created');
      expect(created).to.have.length(1);
      const winner = created[0]?.outcome === 'created' ? created[0].recommendation.id : undefined;
      for (const r of results) expect(r.outcome === 'conflict' ? undefined : r.recommendation.id).to.equal(winner);
      expect(await historyIds(patient)).to.deep.equal([winner]);
    });

    it('settles a burst on one key by its winner: the same body replays it, another body conflicts', async () => {
      const key = claim();
      const patient = `p-${randomUUID()}`;
      const fingerprints = ['fp-1', 'fp-2', 'fp-1', 'fp-2', 'fp-1'];
      const results = await Promise.all(
        fingerprints.map((fingerprint) => create(aRecommendation({ patient_id: patient }), { ...key, fingerprint })),
      );
      const winnerAt = results.findIndex((r) => r.outcome === 'created');
      const winner = results[winnerAt];
      expect(results.filter((r) => r.outcome === 'created')).to.have.length(1);
      fingerprints.forEach((fingerprint, i) => {
        if (i === winnerAt) return;
        expect(results[i]).to.deep.equal(
          fingerprint === fingerprints[winnerAt] ? { ...winner, outcome: 'replayed' } : { outcome: 'conflict' },
        );
      });
      expect(await historyIds(patient)).to.have.length(1);
    });

    it('purges claims that expired before the given time, and only those', async () => {
      const key = claim({ expiresAt: new Date(Date.now() + HOUR) });
      await create(aRecommendation(), key);
      await store.purgeExpiredIdempotencyKeys(new Date());
      const other = { ...key, fingerprint: 'fp-2' };
      expect((await create(aRecommendation(), other)).outcome).to.equal('conflict');
      expect(await store.purgeExpiredIdempotencyKeys(new Date(Date.now() + 2 * HOUR))).to.be.at.least(1);
      expect((await create(aRecommendation(), other)).outcome).to.equal('created');
    });
  });
}
