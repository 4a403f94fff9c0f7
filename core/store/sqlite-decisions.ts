import type Database from 'better-sqlite3';
import type { PatientFacts } from '../domain/recommendation.js';
import type { StoredDecision } from './recommendation-record.js';
import type { ReplayableDecision } from './store.js';

/**
 * Stored decisions for impact analysis, oldest first, in keyset batches on
 * the rowid: one short read transaction per batch, so writers interleave and
 * memory holds one batch, whatever the table's size. (A statement iterator
 * held open across awaits would keep the connection busy for everyone.)
 */
interface DecisionRow {
  rowid: number;
  id: string;
  created_at: string;
  decision: string;
  facts: string | null;
}

const BATCH = 1000;

type Read = <T>(work: () => T) => Promise<T>;

export async function* iterateSqliteDecisions(db: Database.Database, read: Read, since?: string): AsyncGenerator<ReplayableDecision> {
  const batch = db.prepare<{ after: number; since: string | null; limit: number }, DecisionRow>(
    `SELECT rowid, id, created_at, decision, facts FROM recommendations
     WHERE rowid > @after AND (@since IS NULL OR created_at >= @since)
     ORDER BY rowid LIMIT @limit`,
  );
  let after = 0;
  for (;;) {
    const rows = await read(() => batch.all({ after, since: since ?? null, limit: BATCH }));
    for (const row of rows) {
      const decision = JSON.parse(row.decision) as StoredDecision;
      yield {
        id: row.id,
        createdAt: row.created_at,
        codes: decision.recommendations.map((r) => r.code),
        ...(row.facts !== null ? { facts: JSON.parse(row.facts) as PatientFacts } : {}),
      };
    }
    const last = rows[rows.length - 1];
    if (last === undefined || rows.length < BATCH) return;
    after = last.rowid;
  }
}
