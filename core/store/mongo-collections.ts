import { MongoServerError, type Collection, type Db, type IndexDescription } from 'mongodb';
import type { Notification, PatientFacts, PatientId, RecommendationEvent, RecommendationOrigin, RulesetRef } from '../domain/recommendation.js';
import type { RecommendationRecord, StoredDecision } from './recommendation-record.js';
import type { AuditRecord } from './store.js';

/**
 * Document shapes and indexes of the MongoDB store. Mapping to the shared
 * records lives here so the adapter methods only speak domain types.
 */

/** A recommendation without its outbox part: what reads project. */
export interface RecordDoc {
  /** The recommendation id. */
  _id: string;
  patient_key: string;
  patient_id: PatientId;
  created_at: string;
  decision: StoredDecision;
  ruleset: RulesetRef;
  /** CDS Hooks provenance with the card uuids; absent for POST /evaluate. */
  origin?: RecommendationOrigin;
  /** The facts it was decided on, for impact analysis; reads project it away. */
  facts?: PatientFacts;
}

/**
 * The pending event lives in the recommendation's own document, so storing
 * both is one single-document insert: atomic without a transaction.
 * `pending` keys the partial index of unpublished events; a plain boolean
 * equality is what queries must repeat exactly for the planner to pick a
 * partial index, and it keeps null-vs-missing semantics out of the picture.
 */
export interface OutboxDoc {
  event: RecommendationEvent;
  pending: boolean;
  published_at: Date | null;
  attempts: number;
}

export interface RecommendationDoc extends RecordDoc {
  outbox: OutboxDoc;
}

export interface ClaimDoc {
  subject: string;
  key: string;
  fingerprint: string;
  recommendation_id: string;
  /** A BSON date, so the TTL index can remove the claim once expired. */
  expires_at: Date;
}

export interface AuditDoc extends Omit<AuditRecord, 'recommendationId'> {
  /** The recommendation id: one audit record per recommendation. */
  _id: string;
}

export interface NotificationDoc {
  recommendation_id: string;
  channel: string;
  status: Notification['status'];
  sent_at: string | null;
}

/**
 * One document per counted recommendation, and the report is computed from
 * these: there is no per-day counter document that every job would update
 * (with 16 jobs at once such a document is a write-conflict hot spot, each
 * conflict retried by withTransaction). Databases written before this also
 * kept counters in `report_totals` / `report_daily` / `report_versions`;
 * those are no longer read: every count they held is derivable from here
 * (`ruleset_version` is filled in once at open, see mongo-migrations.ts).
 */
export interface CountedDoc {
  /** The recommendation id: its unique _id makes counting happen once. */
  _id: string;
  date: string;
  /** Distinct codes. */
  codes: string[];
  ruleset_version: string;
}

/** One document per one-time data migration that has run. */
export interface MigrationDoc {
  _id: string;
  done_at: Date;
}

export interface MongoCollections {
  recommendations: Collection<RecommendationDoc>;
  idempotencyKeys: Collection<ClaimDoc>;
  audit: Collection<AuditDoc>;
  notifications: Collection<NotificationDoc>;
  reportCounted: Collection<CountedDoc>;
  migrations: Collection<MigrationDoc>;
}

export function collectionsOf(db: Db): MongoCollections {
  return {
    recommendations: db.collection<RecommendationDoc>('recommendations'),
    idempotencyKeys: db.collection<ClaimDoc>('idempotency_keys'),
    audit: db.collection<AuditDoc>('audit'),
    notifications: db.collection<NotificationDoc>('notifications'),
    reportCounted: db.collection<CountedDoc>('report_counted'),
    migrations: db.collection<MigrationDoc>('migrations'),
  };
}

const INDEXES: { [K in keyof MongoCollections]?: IndexDescription[] } = {
  recommendations: [
    { name: 'history', key: { patient_key: 1, created_at: -1, _id: -1 } },
    { name: 'outbox_pending', key: { created_at: 1, _id: 1 }, partialFilterExpression: { 'outbox.pending': true } },
    // Feedback finds a card's recommendation and code by the card's uuid.
    { name: 'cds_card_uuid', key: { 'origin.cards.uuid': 1 }, unique: true, sparse: true },
  ],
  idempotencyKeys: [
    { name: 'subject_key', key: { subject: 1, key: 1 }, unique: true },
    // The TTL monitor runs about once a minute, so reads still check expiry.
    { name: 'expiry', key: { expires_at: 1 }, expireAfterSeconds: 0 },
  ],
  notifications: [{ name: 'once_per_channel', key: { recommendation_id: 1, channel: 1 }, unique: true }],
  // The report's $match on a date range.
  reportCounted: [{ name: 'date', key: { date: 1 } }],
};

/** The server's code when a collection exists already (another process created it first). */
const NAMESPACE_EXISTS = 48;

/**
 * Creates every collection and index once, at open, outside any transaction:
 * a transaction that creates a collection implicitly conflicts with every
 * concurrent one doing the same, and they abort. Idempotent, and safe while
 * another process (the API beside workers) does the same: an existing
 * collection, or an index that exists with the same options, is a no-op.
 */
export async function ensureCollections(db: Db, collections: MongoCollections): Promise<void> {
  const existing = new Set((await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name));
  for (const collection of Object.values(collections)) {
    if (existing.has(collection.collectionName)) continue;
    try {
      await db.createCollection(collection.collectionName);
    } catch (err) {
      if (!(err instanceof MongoServerError && err.code === NAMESPACE_EXISTS)) throw err;
    }
  }
  for (const [name, specs] of Object.entries(INDEXES)) {
    if (specs) await collections[name as keyof MongoCollections].createIndexes(specs);
  }
}

export function recordToDoc(record: RecommendationRecord): RecordDoc {
  return {
    _id: record.id,
    patient_key: record.patientKey,
    patient_id: record.patientId,
    created_at: record.createdAt,
    decision: record.decision,
    ruleset: record.ruleset,
    ...(record.origin !== undefined ? { origin: record.origin } : {}),
    ...(record.facts !== undefined ? { facts: record.facts } : {}),
  };
}

export function docToRecord(doc: RecordDoc): RecommendationRecord {
  return {
    id: doc._id,
    patientKey: doc.patient_key,
    patientId: doc.patient_id,
    createdAt: doc.created_at,
    decision: doc.decision,
    ruleset: doc.ruleset,
    ...(doc.origin !== undefined ? { origin: doc.origin } : {}),
  };
}

export function auditToDoc(audit: AuditRecord): AuditDoc {
  const { recommendationId, ...rest } = audit;
  return { _id: recommendationId, ...rest };
}

export function docToAudit(doc: AuditDoc): AuditRecord {
  const { _id, ...rest } = doc;
  return { recommendationId: _id, ...rest };
}

/** Excludes the outbox from reads that only need the recommendation. */
export const RECORD_PROJECTION = { outbox: 0, facts: 0 } as const;
