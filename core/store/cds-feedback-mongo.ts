import type { Db } from 'mongodb';
import { isDuplicateKey } from './mongo-transactions.js';
import type { MongoCollections } from './mongo-collections.js';
import { foldFeedback } from './report-summary.js';
import type { CardFeedback, FeedbackByCode } from './store.js';

/**
 * CDS Hooks feedback on MongoDB: card uuids live in their recommendation's
 * `origin.cards` (indexed), feedback in `cds_feedback`, one document per
 * card, outcome and outcome time (its `_id`), so a resent item is stored once.
 */
interface FeedbackDoc {
  _id: string;
  card: string;
  outcome: CardFeedback['outcome'];
  outcome_at: string;
  date: string;
  code: string;
  override_reason?: unknown;
  accepted_suggestions?: unknown;
  recorded_at: string;
}

export function mongoCardFeedback(db: Db, recommendations: MongoCollections['recommendations']) {
  const feedback = db.collection<FeedbackDoc>('cds_feedback');
  let indexed: Promise<unknown> | undefined;
  // A failed attempt (the server down) is forgotten, so the next feedback tries again instead of failing for good.
  const ensureIndex = () =>
    (indexed ??= feedback.createIndex({ date: 1 }, { name: 'date' }).catch((err: unknown) => {
      indexed = undefined;
      throw err;
    }));

  return {
    async recordFeedback(items: CardFeedback[], patientKey?: string): Promise<{ unknownCards: string[] }> {
      const uuids = [...new Set(items.map((item) => item.card))];
      const filter = { 'origin.cards.uuid': { $in: uuids }, ...(patientKey !== undefined ? { patient_key: patientKey } : {}) };
      const docs = await recommendations.find(filter, { projection: { 'origin.cards': 1 } }).toArray();
      const codes = new Map(docs.flatMap((doc) => (doc.origin?.cards ?? []).map((card) => [card.uuid, card.code] as const)));
      const unknownCards = uuids.filter((uuid) => !codes.has(uuid));
      if (unknownCards.length > 0) return { unknownCards };
      await ensureIndex();
      const rows: FeedbackDoc[] = items.map((item) => ({
        _id: `${item.card}|${item.outcome}|${item.outcomeAt}`,
        card: item.card,
        outcome: item.outcome,
        outcome_at: item.outcomeAt,
        date: item.outcomeAt.slice(0, 10),
        code: codes.get(item.card) as string,
        ...(item.overrideReason !== undefined ? { override_reason: item.overrideReason } : {}),
        ...(item.acceptedSuggestions !== undefined ? { accepted_suggestions: item.acceptedSuggestions } : {}),
        recorded_at: item.recordedAt,
      }));
      try {
        await feedback.insertMany(rows, { ordered: false });
      } catch (err) {
        // A resent item hits its own _id: already stored, which is what was asked.
        const writeErrors = (err as { writeErrors?: Array<{ code?: number }> | { code?: number } }).writeErrors;
        const all = writeErrors === undefined ? [] : Array.isArray(writeErrors) ? writeErrors : [writeErrors];
        if (!isDuplicateKey(err) && !(all.length > 0 && all.every((e) => e.code === 11000))) throw err;
      }
      return { unknownCards: [] };
    },
    async summary(from?: string, to?: string): Promise<FeedbackByCode> {
      const date = { ...(from !== undefined && { $gte: from }), ...(to !== undefined && { $lte: to }) };
      const rows = await feedback
        .aggregate<{ _id: { code: string; outcome: string }; n: number }>([
          ...(from !== undefined || to !== undefined ? [{ $match: { date } }] : []),
          { $group: { _id: { code: '$code', outcome: '$outcome' }, n: { $sum: 1 } } },
        ])
        .toArray();
      return foldFeedback(rows.map((row) => ({ code: row._id.code, outcome: row._id.outcome, n: row.n })));
    },
  };
}
