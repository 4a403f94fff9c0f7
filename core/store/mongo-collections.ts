import type { Collection, Db, IndexDescription } from 'mongodb';
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

export interface CountedDoc {
  /** The recommendation id: the marker that makes counting happen once. */
  _id: string;
  date: string;
  codes: string[];
}

export interface DailyTotalDoc {
  /** The day, `YYYY-MM-DD`. */
  _id: string;
  total: number;
}

export interface DailyCodeDoc {
  date: string;
  code: string;
  count: number;
}

export interface DailyVersionDoc {
  date: string;
  ruleset_version: string;
  count: number;
}

export interface MongoCollections {
  recommendations: Collection<RecommendationDoc>;
  idempotencyKeys: Collection<ClaimDoc>;
  audit: Collection<AuditDoc>;
  notifications: Collection<NotificationDoc>;
  reportCounted: Collection<CountedDoc>;
  reportTotals: Collection<DailyTotalDoc>;
  reportDaily: Collection<DailyCodeDoc>;
  reportVersions: Collection<DailyVersionDoc>;
}

export function collectionsOf(db: Db): MongoCollections {
  return {
    recommendations: db.collection<RecommendationDoc>('recommendations'),
    idempotencyKeys: db.collection<ClaimDoc>('idempotency_keys'),
    audit: db.collection<AuditDoc>('audit'),
    notifications: db.collection<NotificationDoc>('notifications'),
    reportCounted: db.collection<CountedDoc>('report_counted'),
    reportTotals: db.collection<DailyTotalDoc>('report_totals'),
    reportDaily: db.collection<DailyCodeDoc>('report_daily'),
    reportVersions: db.collection<DailyVersionDoc>('report_versions'),
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
  reportDaily: [{ name: 'date_code', key: { date: 1, code: 1 }, unique: true }],
  reportVersions: [{ name: 'date_version', key: { date: 1, ruleset_version: 1 }, unique: true }],
};

/** Idempotent: creating an index that exists with the same options is a no-op. */
export async function ensureIndexes(collections: MongoCollections): Promise<void> {
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
