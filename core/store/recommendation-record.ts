import {
  patientKey,
  type FiredRule,
  type Notification,
  type PatientFacts,
  type PatientId,
  type Recommendation,
  type RecommendationOrigin,
  type RulesetRef,
} from '../domain/recommendation.js';
import type { HistoryPage, HistoryPosition } from './store.js';

/**
 * The storage-neutral shape of a recommendation, shared by every adapter so
 * that the domain ↔ storage mapping is written once. Adapters only decide how
 * each part is encoded (JSON columns in SQLite, embedded fields in MongoDB).
 * Notifications are not part of it: the worker writes them later, apart.
 */
export interface RecommendationRecord {
  id: string;
  /** `patientKey(patient_id)`: the identity history is keyed on. */
  patientKey: string;
  /** As the client sent it, so it is echoed in the same JSON type. */
  patientId: PatientId;
  createdAt: string;
  decision: StoredDecision;
  ruleset: RulesetRef;
  /** Provenance of a CDS Hooks call (hook, hookInstance, card uuids); absent for POST /evaluate. */
  origin?: RecommendationOrigin;
  /** The facts the decision was made on, for replay; written once, never part of a read. */
  facts?: PatientFacts;
}

/** What the rules decided, stored as one value. */
export interface StoredDecision {
  recommendation: string | null;
  recommendations: FiredRule[];
}

/** A stored notification as both adapters read it (SQLite row, MongoDB document). */
export interface NotificationRow {
  recommendation_id: string;
  channel: string;
  status: Notification['status'];
  sent_at: string | null;
}

export function toRecord(rec: Recommendation, facts?: PatientFacts): RecommendationRecord {
  return {
    id: rec.id,
    patientKey: patientKey(rec.patient_id),
    patientId: rec.patient_id,
    createdAt: rec.created_at,
    decision: { recommendation: rec.recommendation, recommendations: rec.recommendations },
    ruleset: { name: rec.ruleset.name, version: rec.ruleset.version, hash: rec.ruleset.hash },
    ...(rec.origin !== undefined ? { origin: rec.origin } : {}),
    ...(facts !== undefined ? { facts } : {}),
  };
}

function fromRecord(record: RecommendationRecord, notifications: Notification[]): Recommendation {
  return {
    id: record.id,
    patient_id: record.patientId,
    recommendation: record.decision.recommendation,
    recommendations: record.decision.recommendations,
    ruleset: record.ruleset,
    created_at: record.createdAt,
    notifications,
    ...(record.origin !== undefined ? { origin: record.origin } : {}),
  };
}

/** Joins notification rows onto their recommendations, in channel order (email before sms). */
export function withNotifications(records: RecommendationRecord[], rows: NotificationRow[]): Recommendation[] {
  const byRecommendation = new Map<string, NotificationRow[]>();
  for (const row of rows) {
    const list = byRecommendation.get(row.recommendation_id) ?? [];
    list.push(row);
    byRecommendation.set(row.recommendation_id, list);
  }
  return records.map((record) => {
    // By channel, not by time: a pending notification has no time yet, and
    // the order must not change as deliveries are confirmed.
    const own = (byRecommendation.get(record.id) ?? []).sort((a, b) => compare(a.channel, b.channel));
    return fromRecord(
      record,
      own.map((n) => ({ channel: n.channel, status: n.status, sent_at: n.sent_at })),
    );
  });
}

/**
 * Builds a history page from up to `limit + 1` rows fetched newest first:
 * the extra row only says that another page exists.
 */
export function toHistoryPage(items: Recommendation[], limit: number): HistoryPage {
  if (items.length <= limit) return { items };
  const page = items.slice(0, limit);
  const last = page[page.length - 1];
  return last ? { items: page, next: positionOf(last) } : { items: page };
}

function positionOf(rec: Recommendation): HistoryPosition {
  return { createdAt: rec.created_at, id: rec.id };
}

/** Code-unit order, the same order SQLite (BINARY) and MongoDB (no collation) use. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
