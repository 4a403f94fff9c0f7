import type { Collection } from 'mongodb';
import type { PatientFacts } from '../domain/recommendation.js';
import type { RecommendationDoc } from './mongo-collections.js';
import type { ReplayableDecision } from './store.js';

/** Only what a replay needs: the codes that fired and the facts. */
interface DecisionView {
  _id: string;
  created_at: string;
  decision: { recommendations: Array<{ code: string }> };
  facts?: PatientFacts;
}

const BATCH = 1000;

/**
 * Stored decisions for impact analysis, oldest first (ids are UUIDv7, so
 * _id order is creation order and the _id index serves the sort). The
 * driver's cursor fetches one batch at a time: memory stays flat.
 */
export async function* iterateMongoDecisions(recommendations: Collection<RecommendationDoc>, since?: string): AsyncGenerator<ReplayableDecision> {
  const cursor = recommendations.find<DecisionView>(since === undefined ? {} : { created_at: { $gte: since } }, {
    projection: { created_at: 1, 'decision.recommendations.code': 1, facts: 1 },
    sort: { _id: 1 },
    batchSize: BATCH,
  });
  try {
    for await (const doc of cursor) {
      yield {
        id: doc._id,
        createdAt: doc.created_at,
        codes: doc.decision.recommendations.map((r) => r.code),
        ...(doc.facts !== undefined ? { facts: doc.facts } : {}),
      };
    }
  } finally {
    await cursor.close();
  }
}
