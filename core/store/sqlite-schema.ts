import type Database from 'better-sqlite3';

/**
 * The SQLite schema as an ordered list of migrations. Opening a database
 * applies the ones it has not seen yet, together in one transaction, so
 * opening is idempotent and an old data file upgrades in place. Append new
 * versions; never edit an applied one.
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE recommendations (
    id              TEXT PRIMARY KEY,
    patient_key     TEXT NOT NULL,
    patient_id      TEXT NOT NULL, -- JSON, so 123 and "123" are echoed as sent
    created_at      TEXT NOT NULL, -- ISO-8601 UTC: sorts as text
    decision        TEXT NOT NULL, -- JSON {recommendation, recommendations}
    ruleset_name    TEXT NOT NULL,
    ruleset_version TEXT NOT NULL,
    ruleset_hash    TEXT NOT NULL
  );
  CREATE INDEX recommendations_history ON recommendations (patient_key, created_at DESC, id DESC);

  CREATE TABLE outbox (
    recommendation_id TEXT PRIMARY KEY,
    event             TEXT NOT NULL, -- JSON, the queue message as published
    created_at        TEXT NOT NULL,
    published_at      TEXT,
    attempts          INTEGER NOT NULL DEFAULT 0
  );
  CREATE INDEX outbox_pending ON outbox (created_at, recommendation_id) WHERE published_at IS NULL;

  CREATE TABLE idempotency_keys (
    subject           TEXT NOT NULL,
    key               TEXT NOT NULL,
    fingerprint       TEXT NOT NULL,
    recommendation_id TEXT NOT NULL,
    expires_at        INTEGER NOT NULL, -- epoch milliseconds
    PRIMARY KEY (subject, key)
  );
  CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at);

  CREATE TABLE audit (
    recommendation_id TEXT PRIMARY KEY,
    patient_id        TEXT NOT NULL, -- JSON
    recommendation    TEXT,
    codes             TEXT NOT NULL, -- JSON array
    ruleset_name      TEXT NOT NULL,
    ruleset_version   TEXT NOT NULL,
    ruleset_hash      TEXT NOT NULL,
    decided_at        TEXT NOT NULL,
    recorded_at       TEXT NOT NULL
  );

  CREATE TABLE notifications (
    recommendation_id TEXT NOT NULL,
    channel           TEXT NOT NULL,
    status            TEXT NOT NULL,
    sent_at           TEXT NOT NULL,
    PRIMARY KEY (recommendation_id, channel)
  );

  CREATE TABLE report_counted (
    recommendation_id TEXT PRIMARY KEY,
    date              TEXT NOT NULL
  );
  CREATE TABLE report_daily (
    date  TEXT NOT NULL,
    code  TEXT NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (date, code)
  );
  CREATE TABLE report_totals (
    date  TEXT PRIMARY KEY,
    total INTEGER NOT NULL
  );
  `,
  // The dashboard's "which ruleset versions were active": counted per day
  // like the codes; recommendations counted before this migration are
  // backfilled from their stored ruleset_version.
  `
  CREATE TABLE report_versions (
    date            TEXT NOT NULL,
    ruleset_version TEXT NOT NULL,
    count           INTEGER NOT NULL,
    PRIMARY KEY (date, ruleset_version)
  );
  INSERT INTO report_versions (date, ruleset_version, count)
    SELECT counted.date, recommendations.ruleset_version, COUNT(*)
    FROM report_counted AS counted JOIN recommendations ON recommendations.id = counted.recommendation_id
    GROUP BY counted.date, recommendations.ruleset_version;
  `,
  // Notifications are recorded pending before delivery and sent only once the
  // channel confirms, so sent_at is null until then (SQLite cannot drop a NOT
  // NULL constraint in place: the table is rebuilt, rows kept).
  `
  CREATE TABLE notifications_v2 (
    recommendation_id TEXT NOT NULL,
    channel           TEXT NOT NULL,
    status            TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
    sent_at           TEXT,
    PRIMARY KEY (recommendation_id, channel)
  );
  INSERT INTO notifications_v2 (recommendation_id, channel, status, sent_at)
    SELECT recommendation_id, channel, status, sent_at FROM notifications;
  DROP TABLE notifications;
  ALTER TABLE notifications_v2 RENAME TO notifications;
  `,
  // CDS Hooks: a recommendation's provenance (hook, hookInstance, card uuids)
  // as JSON, NULL for POST /evaluate; each card uuid resolvable to its code;
  // the feedback EHRs send on cards.
  `
  ALTER TABLE recommendations ADD COLUMN origin TEXT;
  CREATE TABLE cds_cards (
    uuid              TEXT PRIMARY KEY,
    recommendation_id TEXT NOT NULL,
    code              TEXT NOT NULL
  );
  CREATE TABLE cds_feedback (
    card_uuid            TEXT NOT NULL,
    outcome              TEXT NOT NULL, -- accepted | overridden
    outcome_at           TEXT NOT NULL, -- ISO-8601 UTC
    date                 TEXT NOT NULL, -- UTC day of outcome_at
    code                 TEXT NOT NULL,
    override_reason      TEXT,          -- JSON
    accepted_suggestions TEXT,          -- JSON
    recorded_at          TEXT NOT NULL,
    PRIMARY KEY (card_uuid, outcome, outcome_at)
  );
  CREATE INDEX cds_feedback_date ON cds_feedback (date);
  `,
  // Decision provenance: the facts a recommendation was decided on (JSON
  // PatientFacts) for impact analysis; NULL for rows stored before, which
  // therefore cannot be replayed.
  `
  ALTER TABLE recommendations ADD COLUMN facts TEXT;
  `,
];

export function migrate(db: Database.Database): void {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    applied_at TEXT NOT NULL
  )`);
  const current = db.prepare<[], { version: number | null }>('SELECT MAX(version) AS version FROM schema_migrations');
  const record = db.prepare<[number, string], void>('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)');
  // IMMEDIATE takes the write lock before reading the version, so two
  // processes opening the same new file cannot both apply a migration.
  const applyPending = db.transaction(() => {
    const applied = current.get()?.version ?? 0;
    MIGRATIONS.forEach((sql, index) => {
      const version = index + 1;
      if (version <= applied) return;
      db.exec(sql);
      record.run(version, new Date().toISOString());
    });
  });
  applyPending.immediate();
}
