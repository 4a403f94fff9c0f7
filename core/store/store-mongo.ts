import { MongoClient, type Db } from 'mongodb';
import type { Recommendation } from '../domain/recommendation.js';
import {
  auditToDoc,
  collectionsOf,
  docToAudit,
  docToRecord,
  ensureCollections,
  RECORD_PROJECTION,
  type MongoCollections,
  type RecommendationDoc,
  type RecordDoc,
} from './mongo-collections.js';
import { mongoCardFeedback } from './cds-feedback-mongo.js';
import { insertClaimed, newRecommendationDoc } from './mongo-create.js';
import { iterateMongoDecisions } from './mongo-decisions.js';
import { migrate } from './mongo-migrations.js';
import { mongoTarget } from './mongo-options.js';
import { countOnce, historyQuery, summarise } from './mongo-report.js';
import { assertTransactionsSupported, isDuplicateKey, retryOnDuplicateKey } from './mongo-transactions.js';
import { toHistoryPage, withNotifications } from './recommendation-record.js';
import type { RecommendationStore } from './store.js';

/**
 * The production store on MongoDB: one MongoClient per process (its pool
 * serves every request and job), opened here once. Collections, indexes and
 * data migrations are made on open, outside any transaction. Atomicity: a
 * recommendation and its pending event are one document; an idempotency
 * claim and its recommendation are one transaction (mongo-create.ts), which
 * needs the replica set that docker-compose.yml runs (checked on open);
 * report counting is one insert (mongo-report.ts). The database comes from
 * the URI and is required; timeouts: mongo-options.ts. An unreachable server
 * fails an operation within SERVER_SELECTION_TIMEOUT_MS, which the API
 * answers with 503 (api/problem.ts).
 */
export interface MongoStoreOptions {
  /** Replaces the database named in the URI (tests). */
  dbName?: string;
}

export async function openMongoStore(uri: string, options: MongoStoreOptions = {}): Promise<RecommendationStore> {
  const target = mongoTarget(uri, options.dbName);
  const client = new MongoClient(uri, target.options);
  await client.connect();
  try {
    const db = client.db(target.dbName);
    await assertTransactionsSupported(db);
    const collections = collectionsOf(db);
    await ensureCollections(db, collections);
    await migrate(collections);
    return mongoStore(client, db, collections);
  } catch (err) {
    await client.close();
    throw err;
  }
}

type OutboxView = Pick<RecommendationDoc, '_id' | 'outbox'>;

function mongoStore(client: MongoClient, db: Db, collections: MongoCollections): RecommendationStore {
  const { recommendations, notifications, audit, reportCounted, idempotencyKeys } = collections;

  const cardFeedback = mongoCardFeedback(db, recommendations);
  const findRecord = (id: string) => recommendations.findOne<RecordDoc>({ _id: id }, { projection: RECORD_PROJECTION });
  const load = async (docs: RecordDoc[]): Promise<Recommendation[]> => {
    if (docs.length === 0) return [];
    const rows = await notifications.find({ recommendation_id: { $in: docs.map((d) => d._id) } }).toArray();
    return withNotifications(docs.map(docToRecord), rows);
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
      const { filter, options } = historyQuery(patientKey, limit, after);
      const docs = await recommendations.find<RecordDoc>(filter, options).toArray();
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
    async markNotificationsSent(recommendationId, sent) {
      await Promise.all(
        sent.map(async ({ channel, sentAt }) => {
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
        }),
      );
    },
    async markNotificationFailed(recommendationId, channel) {
      await notifications.updateOne({ recommendation_id: recommendationId, channel, status: 'pending' }, { $set: { status: 'failed' } });
    },

    async countInReport(recommendationId, date, codes, rulesetVersion) {
      return countOnce(reportCounted, recommendationId, date, codes, rulesetVersion);
    },
    reportSummary: (from, to) => summarise(reportCounted, from, to),

    recordCardFeedback: (items, patientKey) => cardFeedback.recordFeedback(items, patientKey),
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
