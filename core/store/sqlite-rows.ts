import type { PatientId, RecommendationEvent, RecommendationOrigin } from '../domain/recommendation.js';
import type { RecommendationRecord, StoredDecision } from './recommendation-record.js';
import type { AuditRecord } from './store.js';

/**
 * Row shapes of the SQLite tables and their mapping to the shared records.
 * JSON columns are parsed here and nowhere else; the values were written by
 * this adapter from typed objects, which is why the casts are safe.
 */
export interface RecommendationRow {
  id: string;
  patient_key: string;
  patient_id: string;
  created_at: string;
  decision: string;
  ruleset_name: string;
  ruleset_version: string;
  ruleset_hash: string;
  /** JSON RecommendationOrigin; null for POST /evaluate. */
  origin: string | null;
}

export interface AuditRow {
  recommendation_id: string;
  patient_id: string;
  recommendation: string | null;
  codes: string;
  ruleset_name: string;
  ruleset_version: string;
  ruleset_hash: string;
  decided_at: string;
  recorded_at: string;
}

export interface OutboxRow {
  recommendation_id: string;
  event: string;
  attempts: number;
}

export function recordToRow(record: RecommendationRecord): RecommendationRow {
  return {
    id: record.id,
    patient_key: record.patientKey,
    patient_id: JSON.stringify(record.patientId),
    created_at: record.createdAt,
    decision: JSON.stringify(record.decision),
    ruleset_name: record.ruleset.name,
    ruleset_version: record.ruleset.version,
    ruleset_hash: record.ruleset.hash,
    origin: record.origin === undefined ? null : JSON.stringify(record.origin),
  };
}

export function rowToRecord(row: RecommendationRow): RecommendationRecord {
  return {
    id: row.id,
    patientKey: row.patient_key,
    patientId: JSON.parse(row.patient_id) as PatientId,
    createdAt: row.created_at,
    decision: JSON.parse(row.decision) as StoredDecision,
    ruleset: { name: row.ruleset_name, version: row.ruleset_version, hash: row.ruleset_hash },
    ...(row.origin !== null ? { origin: JSON.parse(row.origin) as RecommendationOrigin } : {}),
  };
}

export function auditToRow(audit: AuditRecord): AuditRow {
  return {
    recommendation_id: audit.recommendationId,
    patient_id: JSON.stringify(audit.patientId),
    recommendation: audit.recommendation,
    codes: JSON.stringify(audit.codes),
    ruleset_name: audit.ruleset.name,
    ruleset_version: audit.ruleset.version,
    ruleset_hash: audit.ruleset.hash,
    decided_at: audit.decidedAt,
    recorded_at: audit.recordedAt,
  };
}

export function rowToAudit(row: AuditRow): AuditRecord {
  return {
    recommendationId: row.recommendation_id,
    patientId: JSON.parse(row.patient_id) as PatientId,
    recommendation: row.recommendation,
    codes: JSON.parse(row.codes) as string[],
    ruleset: { name: row.ruleset_name, version: row.ruleset_version, hash: row.ruleset_hash },
    decidedAt: row.decided_at,
    recordedAt: row.recorded_at,
  };
}

export function parseEvent(row: OutboxRow): RecommendationEvent {
  return JSON.parse(row.event) as RecommendationEvent;
}
