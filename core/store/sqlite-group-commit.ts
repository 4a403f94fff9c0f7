import type Database from 'better-sqlite3';
import { AppError } from '../platform/errors.js';

/**
 * Group commit for the SQLite store. A COMMIT costs far more than the few
 * rows a write adds (every touched page goes to the WAL), and one
 * recommendation's lifecycle is about five small writes. So writes queue up
 * and are flushed once per event-loop turn in ONE IMMEDIATE transaction.
 * Promises settle only after COMMIT, so a resolved write is stored. A flush
 * runs from BEGIN to COMMIT synchronously, so reads on this connection
 * outside a flush only see committed data.
 *
 * Reads can join a flush too (`read`). A read outside any transaction opens
 * and closes a read transaction of its own, and on this VM that lock work is
 * most of its cost: two primary-key lookups took 13 µs alone and 3 µs inside
 * a transaction. A read unit sees what the units before it in its flush
 * wrote. A flush with no write in it begins DEFERRED, so it never takes the
 * write lock; one with a write begins IMMEDIATE as before.
 *
 * Waiting for the write lock (another process's write, or the checkpointer
 * restarting the WAL) never blocks the event loop. SQLite's own busy handler
 * would sleep the whole thread in steps of 1, 2, 5, 10, 15, 20, 25 ms: a
 * RESTART checkpoint holding the lock 10 ms cost the writer 18 ms of sleep,
 * several times a second under load, with every request queued behind it.
 * So the connection's busy_timeout is 0 while the group commit runs: a flush
 * whose BEGIN finds the lock taken goes back to the queue and is retried
 * every millisecond, and the thread serves its other work meanwhile. Units
 * fail only once the lock has stayed taken for `lockWaitMs`.
 *
 * Failures stay with their unit, without a savepoint per unit (which would
 * double the statements of every write): when anything in a batch throws, at
 * COMMIT included, the whole batch rolls back and each unit runs again in a
 * transaction of its own, so only the failing one rejects. A unit must
 * therefore only touch the database: running it twice is then harmless.
 */
export interface GroupCommit {
  /** Runs `work` atomically in the next flush; resolves with its result once committed. */
  run<T>(work: () => T): Promise<T>;
  /** Runs `work`, which only reads, in the next flush's transaction; resolves with its result. */
  read<T>(work: () => T): Promise<T>;
  /** Commits everything still queued, now; later work rejects. */
  close(): void;
}

/** Caps one flush, so a burst cannot hold the write lock arbitrarily long: the rest waits a turn. */
export const MAX_BATCH = 500;
/** How long units wait for a write lock that stays taken before they fail (the old busy_timeout). */
export const LOCK_WAIT_MS = 5000;
/** Pause between attempts at a write lock that another connection holds. */
const LOCK_RETRY_MS = 1;

export interface GroupCommitOptions {
  maxBatch?: number;
  lockWaitMs?: number;
}

interface Unit {
  work: () => unknown;
  writes: boolean;
  committed(result: unknown): void;
  failed(err: unknown): void;
}

/** Sets the connection's busy_timeout to 0 (see above) until close(), which gives it `lockWaitMs`. */
export function createGroupCommit(db: Database.Database, options: GroupCommitOptions = {}): GroupCommit {
  const { maxBatch = MAX_BATCH, lockWaitMs = LOCK_WAIT_MS } = options;
  let queue: Unit[] = [];
  let scheduled: { immediate: NodeJS.Immediate } | { timeout: NodeJS.Timeout } | undefined;
  let closed = false;
  /** When a BEGIN first found the write lock taken, while it still is. */
  let lockedSince: number | undefined;
  db.pragma('busy_timeout = 0');

  /** Whether the last transaction got past BEGIN: if not, no unit ran. */
  let began = false;
  const runBatch = db.transaction((batch: Unit[]) => {
    began = true;
    return batch.map((unit) => unit.work());
  });
  const runAlone = db.transaction((unit: Unit) => {
    began = true;
    return unit.work();
  });

  /** Runs a transaction; 'locked' when its BEGIN found the write lock taken and it may wait longer. */
  function attempt<T>(run: () => T): { result: T } | 'locked' {
    began = false;
    try {
      const result = run();
      lockedSince = undefined;
      return { result };
    } catch (err) {
      if (began || !isBusy(err) || closed) throw err;
      lockedSince ??= Date.now();
      if (Date.now() - lockedSince >= lockWaitMs) throw err;
      return 'locked';
    }
  }

  function flush(): void {
    scheduled = undefined;
    const batch = queue.length <= maxBatch ? queue : queue.slice(0, maxBatch);
    queue = batch === queue ? [] : queue.slice(maxBatch);
    if (batch.length === 0) return;
    const writes = batch.some((unit) => unit.writes);
    let outcome: { result: unknown[] } | 'locked';
    try {
      outcome = attempt(() => (writes ? runBatch.immediate(batch) : runBatch.deferred(batch)));
    } catch (err) {
      // BEGIN itself failed (the write lock stayed taken past lockWaitMs): no unit is at fault.
      if (!began) for (const unit of batch) unit.failed(err);
      // Rolled back as a whole: find out which unit it was, one transaction each.
      else settleEachAlone(batch);
      scheduleNext();
      return;
    }
    if (outcome === 'locked') return retryLater(batch);
    const { result } = outcome;
    batch.forEach((unit, i) => unit.committed(result[i]));
    scheduleNext();
  }

  function settleEachAlone(batch: Unit[]): void {
    for (const [i, unit] of batch.entries()) {
      let outcome: { result: unknown } | 'locked';
      try {
        outcome = attempt(() => (unit.writes ? runAlone.immediate(unit) : runAlone.deferred(unit)));
      } catch (err) {
        unit.failed(err);
        continue;
      }
      // The lock was taken meanwhile: this unit and those after it go back to the queue.
      if (outcome === 'locked') return retryLater(batch.slice(i));
      unit.committed(outcome.result);
    }
  }

  /** Puts units whose BEGIN found the lock taken back at the front, for the next attempt. */
  function retryLater(units: Unit[]): void {
    queue = units.concat(queue);
    schedule(LOCK_RETRY_MS);
  }

  function scheduleNext(): void {
    if (queue.length > 0) schedule();
  }

  function schedule(delayMs = 0): void {
    if (scheduled !== undefined || closed) return;
    scheduled = delayMs === 0 ? { immediate: setImmediate(flush) } : { timeout: setTimeout(flush, delayMs) };
  }

  function enqueue<T>(work: () => T, writes: boolean): Promise<T> {
    if (closed) return Promise.reject(new AppError('UNAVAILABLE', 'the store is closed'));
    return new Promise<T>((resolve, reject) => {
      queue.push({ work, writes, committed: resolve as (result: unknown) => void, failed: reject });
      schedule();
    });
  }

  return {
    run: (work) => enqueue(work, true),
    read: (work) => enqueue(work, false),
    close() {
      closed = true;
      if (scheduled && 'timeout' in scheduled) clearTimeout(scheduled.timeout);
      if (scheduled && 'immediate' in scheduled) clearImmediate(scheduled.immediate);
      scheduled = undefined;
      // Nothing is left to serve meanwhile: the last flushes may block while they wait.
      db.pragma(`busy_timeout = ${lockWaitMs}`);
      while (queue.length > 0) flush();
    },
  };
}

function isBusy(err: unknown): boolean {
  // SQLITE_BUSY and its extended codes (SQLITE_BUSY_RECOVERY, ...).
  return err instanceof Error && 'code' in err && String(err.code).startsWith('SQLITE_BUSY');
}
