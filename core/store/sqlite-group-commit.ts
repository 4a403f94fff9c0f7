import type Database from 'better-sqlite3';
import { AppError } from '../errors.js';

/**
 * Group commit for the SQLite store. A COMMIT costs far more than the few
 * rows a write adds (every touched page goes to the WAL), and one
 * recommendation's lifecycle is about five small writes. So writes queue up
 * and are flushed once per event-loop turn in ONE IMMEDIATE transaction, each
 * in its own savepoint: a unit that throws rolls back alone and rejects only
 * its own caller. Promises settle only after COMMIT, so a resolved write is
 * stored; a failed COMMIT rejects the whole batch. A flush runs from BEGIN to
 * COMMIT synchronously, so reads on this connection only see committed data.
 */
export interface GroupCommit {
  /** Runs `work` atomically in the next flush; resolves with its result once committed. */
  run<T>(work: () => T): Promise<T>;
  /** Commits everything still queued, now; later work rejects. */
  close(): void;
}

/** Caps one flush, so a burst cannot hold the write lock arbitrarily long: the rest waits a turn. */
export const MAX_BATCH = 500;

interface Unit {
  /** Runs the caller's work in a savepoint; throws when it failed (rolled back). */
  execute(): void;
  committed(): void;
  failed(err: unknown): void;
}

interface Failure {
  reason: unknown;
}

export function createGroupCommit(db: Database.Database, maxBatch = MAX_BATCH): GroupCommit {
  let queue: Unit[] = [];
  let scheduled = false;
  let closed = false;

  // Inside another transaction, a better-sqlite3 transaction function is a SAVEPOINT.
  const inSavepoint = db.transaction((work: () => void) => work());
  const runBatch = db.transaction((batch: Unit[]): (Failure | undefined)[] =>
    batch.map((unit) => {
      try {
        unit.execute();
        return undefined;
      } catch (reason) {
        // Some errors (disk full, I/O) make SQLite roll back the whole
        // transaction; the next units would then commit alone: abort the batch.
        if (!db.inTransaction) throw reason;
        return { reason };
      }
    }),
  );

  function flush(): void {
    scheduled = false;
    const batch = queue.length <= maxBatch ? queue : queue.splice(0, maxBatch);
    if (batch === queue) queue = [];
    else schedule();
    if (batch.length === 0) return;
    let failures: (Failure | undefined)[];
    try {
      failures = runBatch.immediate(batch);
    } catch (err) {
      for (const unit of batch) unit.failed(err);
      return;
    }
    batch.forEach((unit, i) => {
      const failure = failures[i];
      if (failure) unit.failed(failure.reason);
      else unit.committed();
    });
  }

  function schedule(): void {
    if (scheduled) return;
    scheduled = true;
    setImmediate(flush);
  }

  return {
    run<T>(work: () => T): Promise<T> {
      if (closed) return Promise.reject(new AppError('UNAVAILABLE', 'the store is closed'));
      return new Promise<T>((resolve, reject) => {
        let result: T;
        queue.push({
          execute: () => inSavepoint(() => (result = work())),
          committed: () => resolve(result),
          failed: reject,
        });
        schedule();
      });
    },
    close() {
      closed = true;
      while (queue.length > 0) flush();
    },
  };
}
