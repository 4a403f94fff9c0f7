import { MongoClient, type Db, type Filter } from 'mongodb';
import type { Recommendation } from '../domain/recommendation.js';
import {
  auditToDoc,
  collectionsOf,
  docToAudit,
  docToRecord,
  ensureIndexes,
  RECORD_PROJECTION,
  type MongoCollections,
  type RecommendationDoc,
  type RecordDoc,
} from './mongo-collections.js';
import { mongoCardFeedback } from './cds-feedback-mongo.js';
import { insertClaimed, newRecommendationDoc } from './mongo-create.js';
import { iterateMongoDecisions } from './mongo-decisions.js';
import { assertTransactionsSupported, inTransaction, isDuplicateKey, retryOnDuplicateKey } from './mongo-transactions.js';
import { toHistoryPage, withNotifications } from './recommendation-record.js';
import { distinctCodes, foldReport } from './report-summary.js';
import type { RecommendationStore } from './store.js';

/**
 * The production store on MongoDB. Indexes are created on open. Atomicity:
 * a recommendation and its pending event are one document; idempotency
 * claims (mongo-create.ts) and report counting use transactions, which need
 * the replica set that docker-compose.yml runs (checked on open).
 */
export interface MongoStoreOptions {
  /** Defaults to the database named in the URI. */
  dbName?: string;
}

export async function openMongoStore(uri: string, options: MongoStoreOptions = {}): Promise<RecommendationStore> {
  const client = new MongoClient(uri, { appName: 'clinical-recommendations' });
  await client.connect();
  try {
    const db = client.db(options.dbName);
    await assertTransactionsSupported(db);
    const collections = collectionsOf(db);
    await ensureIndexes(collections);
    return mongoStore(client, db, collections);
  } catch (err) {
    await client.close();
    throw err;
  }
}

type OutboxView = Pick<RecommendationDoc, '_id' | 'outbox'>;

function mongoStore(client: MongoClient, db: Db, collections: MongoCollections): RecommendationStore {
  const { recommendations, notifications, audit, reportCounted, reportTotals, reportDaily, reportVersions, idempotencyKeys } =
    collections;

  const cardFeedback = mongoCardFeedback(db, recommendations);
  const findRecord = (id: string) => recommendations.findOne<RecordDoc>({ _id: id }, { projection: RECORD_PROJECTION });
  const load = async (docs: RecordDoc[]): Promise<Recommendation[]> => {
    if (docs.length === 0) return [];
    const rows = await notifications.find({ recommendation_id: { $in: docs.map((d) => d._id) } }).toArray();
    return withNotifications(
      docs.map(docToRecord),
      rows.map((n) => ({ recommendationId: n.recommendation_id, channel: n.channel, status: n.status, sentAt: n.sent_at })),
    );
  };

  return {
    async createRecommendation(rec, event, idempotency, facts) {
      const doc = newRecommendationDoc(rec, event, facts);
      if (!idempotency) {
        await recommendations.insertOne(doc);
        return { outcome: 'created', recommendation: { ...rec, notifications: [] } };
      }
      const result = await insertClaimed(client, collections, doc, idempotency);
      if (result.kind === 'conflict') return { outcome: 'conflict' };
      if (result.kind === 'created') return { outcome: 'created', recommendation: { ...rec, notifications: [] } };
      const [original] = await load([result.original]);
      if (!original) throw new Error('replayed recommendation could not be loaded');
      return { outcome: 'replayed', recommendation: original };
    },
    async getRecommendation(id) {
      const doc = await findRecord(id);
      return doc ? (await load([doc]))[0] : undefined;
    },
    iterateDecisions: (since) => iterateMongoDecisions(recommendations, since),
    async getRecord(id) {
      const doc = await findRecord(id);
      return doc ? docToRecord(doc) : undefined;
    },
    async listPatientRecommendations(patientKey, limit, after) {
      const filter: Filter<RecommendationDoc> = after
        ? {
            patient_key: patientKey,
            $or: [{ created_at: { $lt: after.createdAt } }, { created_at: after.createdAt, _id: { $lt: after.id } }],
          }
        : { patient_key: patientKey };
      const docs = await recommendations
        .find<RecordDoc>(filter, { projection: RECORD_PROJECTION, sort: { created_at: -1, _id: -1 }, limit: limit + 1 })
        .toArray();
      return toHistoryPage(await load(docs), limit);
    },

    async pendingEvents(limit) {
      // The filter repeats the partial index's expression so it is eligible.
      const docs = await recommendations
        .find<OutboxView>({ 'outbox.pending': true }, { projection: { outbox: 1 }, sort: { created_at: 1, _id: 1 }, limit })
        .toArray();
      return docs.map((d) => ({ recommendationId: d._id, event: d.outbox.event, attempts: d.outbox.attempts }));
    },
    async markEventPublished(recommendationId) {
      await recommendations.updateOne(
        { _id: recommendationId, 'outbox.pending': true },
        { $set: { 'outbox.pending': false, 'outbox.published_at': new Date() } },
      );
    },
    async markEventPublishFailed(recommendationId) {
      await recommendations.updateOne({ _id: recommendationId, 'outbox.pending': true }, { $inc: { 'outbox.attempts': 1 } });
    },
    async countPendingEvents() {
      return recommendations.countDocuments({ 'outbox.pending': true });
    },

    async recordAudit(record) {
      try {
        await audit.insertOne(auditToDoc(record));
        return true;
      } catch (err) {
        if (isDuplicateKey(err)) return false;
        throw err;
      }
    },
    async getAudit(recommendationId) {
      const doc = await audit.findOne({ _id: recommendationId });
      return doc ? docToAudit(doc) : undefined;
    },
    async beginNotifications(recommendationId, channels) {
      return Promise.all(
        channels.map(async (channel) => {
          const key = { recommendation_id: recommendationId, channel };
          // A failed one is pending again (a retry); then create it unless it exists. The unique
          // (recommendation_id, channel) index keeps it one per channel; a racing upsert retries.
          await notifications.updateOne({ ...key, status: 'failed' }, { $set: { status: 'pending' } });
          const doc = await retryOnDuplicateKey(() =>
            notifications.findOneAndUpdate(
              key,
              { $setOnInsert: { status: 'pending', sent_at: null } },
              { upsert: true, returnDocument: 'after' },
            ),
          );
          if (!doc) throw new Error('notification vanished after its upsert');
          return { channel, status: doc.status, sent_at: doc.sent_at };
        }),
      );
    },
    async markNotificationSent(recommendationId, channel, sentAt) {
      try {
        await notifications.updateOne(
          { recommendation_id: recommendationId, channel, status: { $ne: 'sent' } },
          { $set: { status: 'sent', sent_at: sentAt } },
          { upsert: true },
        );
      } catch (err) {
        // The upsert collided with a notification already sent: it keeps its first time.
        if (!isDuplicateKey(err)) throw err;
      }
    },
    async markNotificationFailed(recommendationId, channel) {
      await notifications.updateOne({ recommendation_id: recommendationId, channel, status: 'pending' }, { $set: { status: 'failed' } });
    },

    async countInReport(recommendationId, date, codes, rulesetVersion) {
      const distinct = distinctCodes(codes);
      // Marker and counters in one transaction: a crash can neither count a
      // recommendation without marking it (double count on redelivery) nor
      // mark it without counting it (lost count).
      return retryOnDuplicateKey(() =>
        inTransaction(client, async (session) => {
          if (await reportCounted.findOne({ _id: recommendationId }, { session })) return false;
          await reportCounted.insertOne({ _id: recommendationId, date, codes: distinct }, { session });
          await reportTotals.updateOne({ _id: date }, { $inc: { total: 1 } }, { upsert: true, session });
          for (const code of distinct) {
            await reportDaily.updateOne({ date, code }, { $inc: { count: 1 } }, { upsert: true, session });
          }
          await reportVersions.updateOne({ date, ruleset_version: rulesetVersion }, { $inc: { count: 1 } }, { upsert: true, session });
          return true;
        }),
      );
    },
    async reportSummary(from, to) {
      const bounds = dateBounds(from, to);
      const [totals, codes, versions] = await Promise.all([
        reportTotals.find(bounds ? { _id: bounds } : {}).toArray(),
        reportDaily.find(bounds ? { date: bounds } : {}).toArray(),
        reportVersions.find(bounds ? { date: bounds } : {}).toArray(),
      ]);
      return foldReport(
        { from, to },
        totals.map((t) => ({ date: t._id, total: t.total })),
        codes.map((c) => ({ date: c.date, code: c.code, count: c.count })),
        versions.map((v) => ({ date: v.date, version: v.ruleset_version, count: v.count })),
      );
    },

    recordCardFeedback: (items) => cardFeedback.recordFeedback(items),
    cardFeedbackSummary: (from, to) => cardFeedback.summary(from, to),

    async purgeExpiredIdempotencyKeys(now) {
      const result = await idempotencyKeys.deleteMany({ expires_at: { $lte: now } });
      return result.deletedCount;
    },
    async ping() {
      await db.command({ ping: 1 });
    },
    async close() {
      await client.close();
    },
  };
}

/** Inclusive bounds on `YYYY-MM-DD` strings, or undefined for "all days". */
function dateBounds(from?: string, to?: string): { $gte?: string; $lte?: string } | undefined {
  if (from === undefined && to === undefined) return undefined;
  return { ...(from !== undefined && { $gte: from }), ...(to !== undefined && { $lte: to }) };
}
