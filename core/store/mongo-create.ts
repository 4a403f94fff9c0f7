import type { MongoClient } from 'mongodb';
import type { PatientFacts, Recommendation, RecommendationEvent } from '../domain/recommendation.js';
import { decideClaim } from './idempotency.js';
import { toRecord } from './recommendation-record.js';
import {
  recordToDoc,
  RECORD_PROJECTION,
  type MongoCollections,
  type RecommendationDoc,
  type RecordDoc,
} from './mongo-collections.js';
import { inTransaction } from './mongo-transactions.js';
import type { IdempotencyClaim } from './store.js';

/**
 * Writing a new recommendation in MongoDB.
 *
 * Without an Idempotency-Key the recommendation and its pending event are one
 * document, so a single insertOne is atomic and needs no transaction (the
 * fast path for most traffic).
 *
 * With a key, the claim and the recommendation are two documents written in
 * ONE transaction: a claim can then never exist without its recommendation
 * (no window where a crash between two inserts leaves a claim pointing at
 * nothing). Two concurrent requests with the same key race on the unique
 * (subject, key) index entry: inside transactions the loser gets a
 * WriteConflict (not a duplicate key error: the winner's claim is either
 * uncommitted or committed after the loser's snapshot), which carries the
 * TransientTransactionError label, so withTransaction runs the callback
 * again on a new snapshot, where it reads the winner's claim and replays or
 * conflicts from it. Should a claim still point at a
 * missing recommendation (data written outside this code), it is replaced
 * as if absent rather than blocking the key until it expires.
 */
export type CreateOutcome =
  | { kind: 'created' }
  | { kind: 'replayed'; original: RecordDoc }
  | { kind: 'conflict' };

export function newRecommendationDoc(rec: Recommendation, event: RecommendationEvent, facts?: PatientFacts): RecommendationDoc {
  return {
    ...recordToDoc(toRecord(rec, facts)),
    outbox: { event, pending: true, published_at: null, attempts: 0 },
  };
}

export async function insertClaimed(
  client: MongoClient,
  collections: MongoCollections,
  doc: RecommendationDoc,
  claim: IdempotencyClaim,
): Promise<CreateOutcome> {
  const { recommendations, idempotencyKeys } = collections;
  const filter = { subject: claim.subject, key: claim.key };
  return inTransaction(client, async (session): Promise<CreateOutcome> => {
    const stored = (await idempotencyKeys.findOne(filter, { session })) ?? undefined;
    const decision = decideClaim(
      stored && {
        fingerprint: stored.fingerprint,
        recommendationId: stored.recommendation_id,
        expiresAt: stored.expires_at,
      },
      claim,
      new Date(),
    );
    if (decision.kind === 'conflict') return { kind: 'conflict' };
    if (decision.kind === 'replay') {
      const original = await recommendations.findOne<RecordDoc>(
        { _id: decision.recommendationId },
        { session, projection: RECORD_PROJECTION },
      );
      if (original) return { kind: 'replayed', original };
    }
    if (stored) await idempotencyKeys.deleteOne({ _id: stored._id }, { session });
    await idempotencyKeys.insertOne(
      { ...filter, fingerprint: claim.fingerprint, recommendation_id: doc._id, expires_at: claim.expiresAt },
      { session },
    );
    await recommendations.insertOne(doc, { session });
    return { kind: 'created' };
  });
}
