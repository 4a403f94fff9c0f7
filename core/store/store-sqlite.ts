import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type Database from 'better-sqlite3';
import type { Notification, PatientFacts, Recommendation, RecommendationEvent } from '../domain/recommendation.js';
import { AppError } from '../platform/errors.js';
import { prepareCardStatements } from './cds-feedback-sqlite.js';
import { decideClaim } from './idempotency.js';
import { toHistoryPage, toRecord, withNotifications } from './recommendation-record.js';
import { distinctCodes, foldReport } from './report-summary.js';
import { openSqliteConnection } from './sqlite-connection.js';
import { auditToRow, parseEvent, recordToRow, rowToAudit, rowToRecord, type RecommendationRow } from './sqlite-rows.js';
import { iterateSqliteDecisions } from './sqlite-decisions.js';
import { prepareStatements, type Statements } from './sqlite-statements.js';
import { createWriteBatch } from './sqlite-write-batch.js';
import type { CreateResult, IdempotencyClaim, RecommendationStore } from './store.js';

/**
 * The embedded store: one SQLite file in DATA_DIR (`clinical.db`), or an
 * explicit file (`':memory:'` in tests). better-sqlite3 is synchronous; the
 * methods stay async to honour the port. A write's promise settles only after
 * its COMMIT (or its rollback). How the file is shared with other processes:
 * sqlite-connection.ts.
 */
export type SqliteStoreOptions = { dataDir: string } | { file: string };

export const SQLITE_FILE_NAME = 'clinical.db';

/** Synchronous, like better-sqlite3: the file is open and migrated on return. */
export function openSqliteStore(options: SqliteStoreOptions): RecommendationStore {
  const db = openSqliteConnection(resolveFile(options));
  return sqliteStore(db, prepareStatements(db));
}

function resolveFile(options: SqliteStoreOptions): string {
  if ('file' in options) return options.file;
  mkdirSync(options.dataDir, { recursive: true });
  return path.join(options.dataDir, SQLITE_FILE_NAME);
}

/**
 * Writes join the turn's write batch (sqlite-write-batch.ts), which begins
 * IMMEDIATE: it takes the write lock up front, waiting for another process
 * through busy_timeout. (A DEFERRED transaction that reads and then writes
 * would fail with SQLITE_BUSY at once if another process wrote in between.)
 * Reads run at once in a DEFERRED transaction, so their statements share one
 * snapshot.
 */
function transactions(db: Database.Database) {
  const run = db.transaction((work: () => unknown) => work());
  const batch = createWriteBatch(db);
  const open = () => {
    if (!db.open) throw new AppError('UNAVAILABLE', 'the store is closed');
  };
  return {
    write: async <T>(work: () => T): Promise<T> => (open(), batch.run(work)),
    // The cast restores the type that run's signature erases: it returns what work returned.
    read: async <T>(work: () => T): Promise<T> => (open(), run.deferred(work) as T),
    flush: () => batch.flush(),
  };
}

function sqliteStore(db: Database.Database, sql: Statements): RecommendationStore {
  const { write, read, flush } = transactions(db);
  const cards = prepareCardStatements(db);

  const load = (rows: RecommendationRow[]): Recommendation[] => {
    if (rows.length === 0) return [];
    const [only] = rows;
    const notifications =
      rows.length === 1 && only ? sql.notificationsOf.all(only.id) : sql.notificationsFor.all(JSON.stringify(rows.map((row) => row.id)));
    return withNotifications(rows.map(rowToRecord), notifications);
  };
  const loadOne = (id: string): Recommendation | undefined => {
    const row = sql.selectRecommendation.get(id);
    return row ? load([row])[0] : undefined;
  };

  const create = (rec: Recommendation, event: RecommendationEvent, claim: IdempotencyClaim | undefined, facts: PatientFacts | undefined): CreateResult => {
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
        // Claim and recommendation are written in one transaction, so the
        // recommendation exists whenever its live claim does.
        const original = loadOne(decision.recommendationId);
        if (original) return { outcome: 'replayed', recommendation: original };
      }
      if (decision.kind !== 'claim') sql.deleteClaim.run(claim.subject, claim.key);
      sql.insertClaim.run(claim.subject, claim.key, claim.fingerprint, rec.id, claim.expiresAt.getTime());
    }
    sql.insertRecommendation.run({ ...recordToRow(toRecord(rec)), facts: facts === undefined ? null : JSON.stringify(facts) });
    sql.insertOutbox.run(rec.id, JSON.stringify(event), rec.created_at);
    cards.insertCards(rec.id, rec.origin);
    return { outcome: 'created', recommendation: { ...rec, notifications: [] } };
  };

  const countOnce = (recommendationId: string, date: string, codes: string[], rulesetVersion: string): boolean => {
    if (sql.markCounted.run(recommendationId, date).changes === 0) return false;
    sql.bumpTotal.run(date);
    sql.bumpCodes.run(date, JSON.stringify(distinctCodes(codes)));
    sql.bumpVersion.run(date, rulesetVersion);
    return true;
  };

  const beginNotifications = (recommendationId: string, channels: readonly string[]): Notification[] => {
    for (const channel of channels) sql.beginNotification.run(recommendationId, channel);
    const stored = new Map(sql.notificationsOf.all(recommendationId).map((n) => [n.channel, n]));
    return channels.map((channel) => {
      const row = stored.get(channel);
      if (!row) throw new Error('notification vanished inside its own transaction');
      return { channel, status: row.status, sent_at: row.sent_at };
    });
  };

  return {
    createRecommendation: (rec, event, idempotency, facts) => write(() => create(rec, event, idempotency, facts)),
    iterateDecisions: (since) => iterateSqliteDecisions(db, read, since),
    getRecommendation: (id) => read(() => loadOne(id)),
    getRecord: (id) =>
      read(() => {
        const row = sql.selectRecommendation.get(id);
        return row && rowToRecord(row);
      }),
    listPatientRecommendations: (patientKey, limit, after) =>
      read(() => {
        const rows = after
          ? sql.historyAfter.all(patientKey, after.createdAt, after.id, limit + 1)
          : sql.historyFirst.all(patientKey, limit + 1);
        return toHistoryPage(load(rows), limit);
      }),

    pendingEvents: (limit) =>
      read(() =>
        sql.pendingEvents.all(limit).map((row) => ({
          recommendationId: row.recommendation_id,
          event: parseEvent(row),
          attempts: row.attempts,
        })),
      ),
    markEventPublished: (recommendationId) =>
      write(() => {
        sql.markPublished.run(new Date().toISOString(), recommendationId);
      }),
    markEventPublishFailed: (recommendationId) =>
      write(() => {
        sql.markFailed.run(recommendationId);
      }),
    countPendingEvents: () => read(() => sql.countPending.get()?.n ?? 0),

    recordAudit: (audit) => write(() => sql.insertAudit.run(auditToRow(audit)).changes === 1),
    getAudit: (recommendationId) =>
      read(() => {
        const row = sql.selectAudit.get(recommendationId);
        return row && rowToAudit(row);
      }),
    beginNotifications: (recommendationId, channels) => write(() => beginNotifications(recommendationId, channels)),
    markNotificationsSent: (recommendationId, sent) =>
      write(() => {
        for (const { channel, sentAt } of sent) sql.markNotificationSent.run(recommendationId, channel, sentAt);
      }),
    markNotificationFailed: (recommendationId, channel) =>
      write(() => {
        sql.markNotificationFailed.run(recommendationId, channel);
      }),

    countInReport: (recommendationId, date, codes, rulesetVersion) => write(() => countOnce(recommendationId, date, codes, rulesetVersion)),
    reportSummary: (from, to) =>
      read(() => {
        const range = { from: from ?? null, to: to ?? null };
        return foldReport({ from, to }, sql.reportTotals.all(range), sql.reportCodes.all(range), sql.reportVersions.all(range));
      }),

    recordCardFeedback: (items, patientKey) => write(() => cards.recordFeedback(items, patientKey)),
    cardFeedbackSummary: (from, to) => read(() => cards.summary(from, to)),

    purgeExpiredIdempotencyKeys: (now) => write(() => sql.purgeClaims.run(now.getTime()).changes),
    ping: () =>
      read(() => {
        sql.ping.get();
      }),
    async close() {
      // Writes queued this turn were promised: commit them before the connection goes.
      if (db.open) {
        flush();
        db.close();
      }
    },
  };
}
