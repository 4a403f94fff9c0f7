import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Notification, Recommendation, RecommendationEvent } from '../domain/recommendation.js';
import { decideClaim } from './idempotency.js';
import { toHistoryPage, toRecord, withNotifications } from './recommendation-record.js';
import { distinctCodes, foldReport } from './report-summary.js';
import { startCheckpointer, type Checkpointer } from './sqlite-checkpointer.js';
import { createGroupCommit, LOCK_WAIT_MS } from './sqlite-group-commit.js';
import { migrate } from './sqlite-schema.js';
import { auditToRow, parseEvent, recordToRow, rowToAudit, rowToRecord, type RecommendationRow } from './sqlite-rows.js';
import { prepareStatements, type Statements } from './sqlite-statements.js';
import type { CreateResult, IdempotencyClaim, RecommendationStore } from './store.js';

/**
 * The embedded store: one SQLite file in DATA_DIR (`clinical.db`), or an
 * explicit file (`':memory:'` in tests). better-sqlite3 is synchronous; the
 * methods stay async to honour the port. Reads answer at once. Every write is
 * one atomic unit of a group commit (sqlite-group-commit.ts): the writes of
 * one event-loop turn share one IMMEDIATE transaction, which also serialises
 * the API and worker processes when both open the same file, and a write
 * resolves once committed.
 */
export type SqliteStoreOptions = ({ dataDir: string } | { file: string }) & {
  /** Whether this connection keeps the WAL checkpointed; a connection that only reads leaves it to the writer's. Default true. */
  checkpoints?: boolean;
  /** Told when a checkpoint fails (the WAL then grows until one succeeds). */
  onCheckpointError?: (message: string) => void;
};

export const SQLITE_FILE_NAME = 'clinical.db';

/** A little above the 4096 frames (16 MB) at which the checkpointer restarts the WAL. */
const WAL_SIZE_LIMIT_BYTES = 20 * 1024 * 1024;

/** Synchronous, like better-sqlite3: the file is open and migrated on return. */
export function openSqliteStore(options: SqliteStoreOptions): RecommendationStore {
  const file = resolveFile(options);
  const db = new Database(file);
  // WAL lets readers run beside the writer; NORMAL only fsyncs at checkpoints,
  // which in WAL mode cannot corrupt the file (a power cut may lose the last
  // commits, never half of one). busy_timeout covers a second process while
  // the file opens and migrates; then the group commit waits for the write
  // lock itself, without blocking the thread (sqlite-group-commit.ts).
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma(`busy_timeout = ${LOCK_WAIT_MS}`);
  // Measured with npm run bench: fewer page reads gave ~7% more POST /evaluate.
  db.pragma('cache_size = -32000');
  // Checkpoints run on their own thread (sqlite-checkpointer.ts), never inside a COMMIT here.
  const inMemory = file === ':memory:';
  if (!inMemory) db.pragma('wal_autocheckpoint = 0');
  // When the WAL starts over, a file a burst made larger is cut back to this.
  db.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT_BYTES}`);
  migrate(db);
  const checkpointer = inMemory || options.checkpoints === false ? undefined : startCheckpointer(file, { onError: options.onCheckpointError });
  return sqliteStore(db, prepareStatements(db), checkpointer);
}

function resolveFile(options: SqliteStoreOptions): string {
  if ('file' in options) return options.file;
  mkdirSync(options.dataDir, { recursive: true });
  return path.join(options.dataDir, SQLITE_FILE_NAME);
}

function sqliteStore(db: Database.Database, sql: Statements, checkpointer: Checkpointer | undefined): RecommendationStore {
  const load = (rows: RecommendationRow[]): Recommendation[] => {
    if (rows.length === 0) return [];
    const [only] = rows;
    const notifications =
      rows.length === 1 && only ? sql.notificationsOf.all(only.id) : sql.notificationsFor.all(JSON.stringify(rows.map((row) => row.id)));
    return withNotifications(
      rows.map(rowToRecord),
      notifications.map((n) => ({
        recommendationId: n.recommendation_id,
        channel: n.channel,
        status: n.status,
        sentAt: n.sent_at,
      })),
    );
  };
  const loadOne = (id: string): Recommendation | undefined => {
    const row = sql.selectRecommendation.get(id);
    return row ? load([row])[0] : undefined;
  };

  // Each write below runs as one unit of the group commit: atomic, and safe to run again alone.
  const commit = createGroupCommit(db);

  const create = (rec: Recommendation, event: RecommendationEvent, claim: IdempotencyClaim | undefined): CreateResult => {
    if (claim) {
      const stored = sql.selectClaim.get(claim.subject, claim.key);
      const decision = decideClaim(
        stored && {
          fingerprint: stored.fingerprint,
          recommendationId: stored.recommendation_id,
          expiresAt: new Date(stored.expires_at),
        },
        claim,
        new Date(),
      );
      if (decision.kind === 'conflict') return { outcome: 'conflict' };
      if (decision.kind === 'replay') {
        // Claim and recommendation are written in one atomic unit, so the
        // recommendation exists whenever its live claim does.
        const original = loadOne(decision.recommendationId);
        if (original) return { outcome: 'replayed', recommendation: original };
      }
      if (decision.kind !== 'claim') sql.deleteClaim.run(claim.subject, claim.key);
      sql.insertClaim.run(claim.subject, claim.key, claim.fingerprint, rec.id, claim.expiresAt.getTime());
    }
    sql.insertRecommendation.run(recordToRow(toRecord(rec)));
    sql.insertOutbox.run(rec.id, JSON.stringify(event), rec.created_at);
    return { outcome: 'created', recommendation: { ...rec, notifications: [] } };
  };

  const countOnce = (recommendationId: string, date: string, codes: string[]): boolean => {
    if (sql.markCounted.run(recommendationId, date).changes === 0) return false;
    sql.bumpTotal.run(date);
    for (const code of distinctCodes(codes)) sql.bumpCode.run(date, code);
    return true;
  };

  const claimNotification = (recommendationId: string, notification: Notification) => {
    const { channel, status, sent_at } = notification;
    if (sql.insertNotification.run(recommendationId, channel, status, sent_at).changes === 1) {
      return { notification: { channel, status, sent_at }, created: true };
    }
    const existing = sql.selectNotification.get(recommendationId, channel);
    if (!existing) throw new Error('notification vanished between insert and read');
    const stored: Notification = { channel: existing.channel, status: existing.status, sent_at: existing.sent_at };
    return { notification: stored, created: false };
  };

  return {
    createRecommendation(rec, event, idempotency) {
      return commit.run(() => create(rec, event, idempotency));
    },
    // Reads join the group commit: in the flush's transaction they skip the
    // read lock that each statement would otherwise take and release alone.
    getRecommendation(id) {
      return commit.read(() => loadOne(id));
    },
    getRecord(id) {
      return commit.read(() => {
        const row = sql.selectRecommendation.get(id);
        return row && rowToRecord(row);
      });
    },
    listPatientRecommendations(patientKey, limit, after) {
      return commit.read(() => {
        const rows = after
          ? sql.historyAfter.all(patientKey, after.createdAt, after.id, limit + 1)
          : sql.historyFirst.all(patientKey, limit + 1);
        return toHistoryPage(load(rows), limit);
      });
    },

    async pendingEvents(limit) {
      return sql.pendingEvents.all(limit).map((row) => ({
        recommendationId: row.recommendation_id,
        event: parseEvent(row),
        attempts: row.attempts,
      }));
    },
    markEventPublished(recommendationId) {
      const publishedAt = new Date().toISOString();
      return commit.run(() => {
        sql.markPublished.run(publishedAt, recommendationId);
      });
    },
    markEventPublishFailed(recommendationId) {
      return commit.run(() => {
        sql.markFailed.run(recommendationId);
      });
    },
    async countPendingEvents() {
      return sql.countPending.get()?.n ?? 0;
    },

    recordAudit(audit) {
      return commit.run(() => sql.insertAudit.run(auditToRow(audit)).changes === 1);
    },
    async getAudit(recommendationId) {
      const row = sql.selectAudit.get(recommendationId);
      return row && rowToAudit(row);
    },
    recordNotification(recommendationId, notification) {
      return commit.run(() => claimNotification(recommendationId, notification));
    },

    releaseNotification(recommendationId, channel) {
      return commit.run(() => {
        sql.deleteNotification.run(recommendationId, channel);
      });
    },
    countInReport(recommendationId, date, codes) {
      return commit.run(() => countOnce(recommendationId, date, codes));
    },
    async reportSummary(from, to) {
      const range = { from: from ?? null, to: to ?? null };
      return foldReport({ from, to }, sql.reportTotals.all(range), sql.reportCodes.all(range));
    },

    purgeExpiredIdempotencyKeys(now) {
      return commit.run(() => sql.purgeClaims.run(now.getTime()).changes);
    },
    async ping() {
      sql.ping.get();
    },
    async close() {
      if (!db.open) return;
      // Queued writes are committed, not dropped: their callers were promised them.
      commit.close();
      db.close();
      await checkpointer?.close();
    },
  };
}
