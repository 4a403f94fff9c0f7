import type Database from 'better-sqlite3';
import type { DailyCodeRow, DailyTotalRow, DailyVersionRow } from './report-summary.js';
import type { Notification } from '../domain/recommendation.js';
import type { AuditRow, OutboxRow, RecommendationRow } from './sqlite-rows.js';

/**
 * Every SQL statement of the SQLite store, prepared once per connection:
 * preparing per call would dominate the cost of a create at thousands/s.
 */
export type Statements = ReturnType<typeof prepareStatements>;

interface NotificationSqlRow {
  recommendation_id: string;
  channel: string;
  status: Notification['status'];
  sent_at: string | null;
}

interface ClaimSqlRow {
  fingerprint: string;
  recommendation_id: string;
  expires_at: number;
}

const RECOMMENDATION_COLUMNS =
  'id, patient_key, patient_id, created_at, decision, ruleset_name, ruleset_version, ruleset_hash, origin';

export function prepareStatements(db: Database.Database) {
  return {
    // Facts are written once and read only by impact analysis (sqlite-decisions.ts), never by the reads below.
    insertRecommendation: db.prepare<RecommendationRow & { facts: string | null }, void>(
      `INSERT INTO recommendations (${RECOMMENDATION_COLUMNS}, facts)
       VALUES (@id, @patient_key, @patient_id, @created_at, @decision, @ruleset_name, @ruleset_version, @ruleset_hash, @origin, @facts)`,
    ),
    selectRecommendation: db.prepare<[string], RecommendationRow>(
      `SELECT ${RECOMMENDATION_COLUMNS} FROM recommendations WHERE id = ?`,
    ),
    // The extra row fetched beyond the page size tells whether a next page exists.
    historyFirst: db.prepare<[string, number], RecommendationRow>(
      `SELECT ${RECOMMENDATION_COLUMNS} FROM recommendations WHERE patient_key = ?
       ORDER BY created_at DESC, id DESC LIMIT ?`,
    ),
    // Row-value comparison lets SQLite seek in recommendations_history.
    historyAfter: db.prepare<[string, string, string, number], RecommendationRow>(
      `SELECT ${RECOMMENDATION_COLUMNS} FROM recommendations
       WHERE patient_key = ? AND (created_at, id) < (?, ?)
       ORDER BY created_at DESC, id DESC LIMIT ?`,
    ),
    // One recommendation's: a plain key lookup, a third cheaper than going through json_each.
    notificationsOf: db.prepare<[string], NotificationSqlRow>(
      'SELECT recommendation_id, channel, status, sent_at FROM notifications WHERE recommendation_id = ?',
    ),
    // One query for a whole page: the ids come as a JSON array.
    notificationsFor: db.prepare<[string], NotificationSqlRow>(
      `SELECT recommendation_id, channel, status, sent_at FROM notifications
       WHERE recommendation_id IN (SELECT value FROM json_each(?))`,
    ),

    insertOutbox: db.prepare<[string, string, string], void>(
      'INSERT INTO outbox (recommendation_id, event, created_at) VALUES (?, ?, ?)',
    ),
    pendingEvents: db.prepare<[number], OutboxRow>(
      `SELECT recommendation_id, event, attempts FROM outbox WHERE published_at IS NULL
       ORDER BY created_at, recommendation_id LIMIT ?`,
    ),
    markPublished: db.prepare<[string, string], void>(
      'UPDATE outbox SET published_at = ? WHERE recommendation_id = ? AND published_at IS NULL',
    ),
    markFailed: db.prepare<[string], void>(
      'UPDATE outbox SET attempts = attempts + 1 WHERE recommendation_id = ? AND published_at IS NULL',
    ),
    countPending: db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM outbox WHERE published_at IS NULL'),

    selectClaim: db.prepare<[string, string], ClaimSqlRow>(
      'SELECT fingerprint, recommendation_id, expires_at FROM idempotency_keys WHERE subject = ? AND key = ?',
    ),
    deleteClaim: db.prepare<[string, string], void>('DELETE FROM idempotency_keys WHERE subject = ? AND key = ?'),
    insertClaim: db.prepare<[string, string, string, string, number], void>(
      `INSERT INTO idempotency_keys (subject, key, fingerprint, recommendation_id, expires_at)
       VALUES (?, ?, ?, ?, ?)`,
    ),
    purgeClaims: db.prepare<[number], void>('DELETE FROM idempotency_keys WHERE expires_at <= ?'),

    insertAudit: db.prepare<AuditRow, void>(
      `INSERT INTO audit (recommendation_id, patient_id, recommendation, codes, ruleset_name,
         ruleset_version, ruleset_hash, decided_at, recorded_at)
       VALUES (@recommendation_id, @patient_id, @recommendation, @codes, @ruleset_name,
         @ruleset_version, @ruleset_hash, @decided_at, @recorded_at)
       ON CONFLICT (recommendation_id) DO NOTHING`,
    ),
    selectAudit: db.prepare<[string], AuditRow>('SELECT * FROM audit WHERE recommendation_id = ?'),

    // A new notification starts pending; a failed one is pending again (a retry); others stay.
    beginNotification: db.prepare<[string, string], void>(
      `INSERT INTO notifications (recommendation_id, channel, status, sent_at) VALUES (?, ?, 'pending', NULL)
       ON CONFLICT (recommendation_id, channel) DO UPDATE SET status = 'pending' WHERE status = 'failed'`,
    ),
    markNotificationSent: db.prepare<[string, string, string], void>(
      `INSERT INTO notifications (recommendation_id, channel, status, sent_at) VALUES (?, ?, 'sent', ?)
       ON CONFLICT (recommendation_id, channel) DO UPDATE SET status = 'sent', sent_at = excluded.sent_at
       WHERE status <> 'sent'`,
    ),
    markNotificationFailed: db.prepare<[string, string], void>(
      `UPDATE notifications SET status = 'failed' WHERE recommendation_id = ? AND channel = ? AND status = 'pending'`,
    ),

    markCounted: db.prepare<[string, string], void>(
      'INSERT INTO report_counted (recommendation_id, date) VALUES (?, ?) ON CONFLICT DO NOTHING',
    ),
    bumpTotal: db.prepare<[string], void>(
      'INSERT INTO report_totals (date, total) VALUES (?, 1) ON CONFLICT (date) DO UPDATE SET total = total + 1',
    ),
    // Codes as one JSON array: a decision may fire hundreds of rules, and one statement beats one per code.
    // (WHERE true: SQLite's documented way to let ON CONFLICT follow INSERT ... SELECT.)
    bumpCodes: db.prepare<[string, string], void>(
      `INSERT INTO report_daily (date, code, count) SELECT ?, value, 1 FROM json_each(?) WHERE true
       ON CONFLICT (date, code) DO UPDATE SET count = count + 1`,
    ),
    // NULL bounds mean open-ended; both bounds are inclusive.
    reportTotals: db.prepare<{ from: string | null; to: string | null }, DailyTotalRow>(
      `SELECT date, total FROM report_totals
       WHERE (@from IS NULL OR date >= @from) AND (@to IS NULL OR date <= @to)`,
    ),
    reportCodes: db.prepare<{ from: string | null; to: string | null }, DailyCodeRow>(
      `SELECT date, code, count FROM report_daily
       WHERE (@from IS NULL OR date >= @from) AND (@to IS NULL OR date <= @to)`,
    ),
    bumpVersion: db.prepare<[string, string], void>(
      `INSERT INTO report_versions (date, ruleset_version, count) VALUES (?, ?, 1)
       ON CONFLICT (date, ruleset_version) DO UPDATE SET count = count + 1`,
    ),
    reportVersions: db.prepare<{ from: string | null; to: string | null }, DailyVersionRow>(
      `SELECT date, ruleset_version AS version, count FROM report_versions
       WHERE (@from IS NULL OR date >= @from) AND (@to IS NULL OR date <= @to)`,
    ),

    // Reads the file (its schema cookie, under a read lock), so readiness
    // fails when the database or its WAL cannot be used; SELECT 1 reads nothing.
    ping: db.prepare<[], unknown>('PRAGMA schema_version'),
  };
}
