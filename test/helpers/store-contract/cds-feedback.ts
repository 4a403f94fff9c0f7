import { randomInt, randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { patientKey } from '../../../core/domain/recommendation.js';
import type { RecommendationStore } from '../../../core/store/store.js';
import { aRecommendation } from '../fixtures.js';
import { contractOps, type ContractContext } from './context.js';

/** Recommendations from CDS Hooks calls: their origin, and feedback on their cards. */
export function cdsFeedbackContract(ctx: ContractContext): void {
  let store: RecommendationStore;
  before(() => {
    store = ctx.store;
  });
  const { create } = contractOps(ctx);

  describe('CDS Hooks provenance and card feedback', () => {
    const fromHook = () => {
      const rec = aRecommendation();
      return { ...rec, origin: { source: 'cds-hooks' as const, hook: 'patient-view', hook_instance: randomUUID(), cards: [{ uuid: randomUUID(), code: 'PHYSICAL_THERAPY' }] } };
    };
    const feedback = (card: string, outcome: 'accepted' | 'overridden', outcomeAt: string) => ({ card, outcome, outcomeAt, recordedAt: new Date().toISOString() });

    it('keeps the origin of a hook call with the recommendation and its record', async () => {
      const rec = fromHook();
      await create(rec);
      expect(await store.getRecommendation(rec.id)).to.deep.equal(rec);
      expect((await store.getRecord(rec.id))?.origin).to.deep.equal(rec.origin);
    });

    it('stores feedback on known cards once per card, outcome and time, and counts it per code by date', async () => {
      const rec = fromHook();
      await create(rec);
      const card = rec.origin.cards[0]?.uuid as string;
      const day = `2${String(randomInt(300, 999))}-01-01`;
      expect(await store.recordCardFeedback([feedback(card, 'accepted', `${day}T10:00:00.000Z`)])).to.deep.equal({ unknownCards: [] });
      await store.recordCardFeedback([feedback(card, 'accepted', `${day}T10:00:00.000Z`), feedback(card, 'overridden', `${day}T11:00:00.000Z`)]);
      expect(await store.cardFeedbackSummary(day, day)).to.deep.equal({ PHYSICAL_THERAPY: { accepted: 1, overridden: 1 } });
    });

    it('stores nothing of a batch naming an unknown card, and says which', async () => {
      const rec = fromHook();
      await create(rec);
      const day = `2${String(randomInt(300, 999))}-02-02`;
      const unknown = randomUUID();
      const result = await store.recordCardFeedback([feedback(rec.origin.cards[0]?.uuid as string, 'accepted', `${day}T10:00:00.000Z`), feedback(unknown, 'accepted', `${day}T10:00:00.000Z`)]);
      expect(result).to.deep.equal({ unknownCards: [unknown] });
      expect(await store.cardFeedbackSummary(day, day)).to.deep.equal({});
    });

    it("treats a card of another patient as unknown when feedback is limited to one patient", async () => {
      const rec = fromHook();
      await create(rec);
      const card = rec.origin.cards[0]?.uuid as string;
      const day = `2${String(randomInt(300, 999))}-03-03`;
      expect(await store.recordCardFeedback([feedback(card, 'accepted', `${day}T10:00:00.000Z`)], 'someone-else')).to.deep.equal({ unknownCards: [card] });
      expect(await store.recordCardFeedback([feedback(card, 'accepted', `${day}T10:00:00.000Z`)], patientKey(rec.patient_id))).to.deep.equal({ unknownCards: [] });
    });
  });
}
