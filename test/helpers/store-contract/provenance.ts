import { randomInt } from 'node:crypto';
import { expect } from 'chai';
import { v7 as uuidv7 } from 'uuid';
import { eventFor, patientKey, type PatientFacts } from '../../../core/domain/recommendation.js';
import type { RecommendationStore, ReplayableDecision } from '../../../core/store/store.js';
import { aRecommendation } from '../fixtures.js';
import { contractOps, type ContractContext } from './context.js';

/** The facts a decision was made on, kept for replay (iterateDecisions) and never returned by reads. */
export function provenanceContract(ctx: ContractContext): void {
  let store: RecommendationStore;
  before(() => {
    store = ctx.store;
  });
  const { create } = contractOps(ctx);

  describe('decision provenance (iterateDecisions)', () => {
    const facts = (age: number): PatientFacts => ({ age, bmi: 31.2, chronic_pain: true, recent_surgery: false, observations: { smoker: true } });
    /** Our own decisions out of the shared store, in the order they came. */
    const replayable = async (ids: string[], since?: string) => {
      const seen: ReplayableDecision[] = [];
      for await (const d of store.iterateDecisions(since)) if (ids.includes(d.id)) seen.push(d);
      return seen;
    };

    it('keeps the facts a decision was made on for replay, and never returns them from a read', async () => {
      const rec = aRecommendation();
      await store.createRecommendation(rec, eventFor(rec), undefined, facts(70));
      expect(await replayable([rec.id])).to.deep.equal([{ id: rec.id, createdAt: rec.created_at, codes: ['PHYSICAL_THERAPY'], facts: facts(70) }]);
      expect(await store.getRecommendation(rec.id)).to.deep.equal(rec).and.not.to.have.property('facts');
      expect(await store.getRecord(rec.id)).not.to.have.property('facts');
      const page = await store.listPatientRecommendations(patientKey(rec.patient_id), 10);
      expect(page.items[0]).to.deep.equal(rec);
    });

    it('yields a decision stored without facts with none, so it counts as not replayable', async () => {
      const rec = aRecommendation({ recommendations: [], recommendation: null });
      await create(rec);
      expect(await replayable([rec.id])).to.deep.equal([{ id: rec.id, createdAt: rec.created_at, codes: [] }]);
    });

    it('yields oldest first, only those created at or after since, across batches', async () => {
      const base = Date.UTC(2300, 0, 1) + randomInt(0, 1_000_000) * 60_000;
      const recs = Array.from({ length: 1_205 }, (_, i) => aRecommendation({ id: uuidv7(), created_at: new Date(base + i * 1000).toISOString() }));
      for (const [n, rec] of recs.entries()) await store.createRecommendation(rec, eventFor(rec), undefined, facts(n % 130));
      const since = recs[5]?.created_at;
      const seen = await replayable(recs.map((r) => r.id), since);
      expect(seen.map((d) => d.id)).to.deep.equal(recs.slice(5).map((r) => r.id));
      expect(seen[0]?.facts).to.deep.equal(facts(5));
    });
  });
}
