import type Database from 'better-sqlite3';

/**
 * The writes issued in one turn of the event loop commit together, in one
 * IMMEDIATE transaction, each inside its own savepoint: a write that throws
 * rolls back alone and rejects alone; the others commit. A promise settles
 * only after the COMMIT, so an acknowledged write is in the WAL.
 *
 * Why: in the embedded process one POST /evaluate makes six small writes
 * (the recommendation with its event, the event's confirmation, the audit,
 * the notifications begun and sent, the report counters), and each COMMIT
 * costs file locks and a WAL append. Batched, a turn's writes pay that once
 * (figures: docs/adr/0004-sqlite-write-batch.md).
 */
export interface WriteBatch {
  /** Queues work for this turn's transaction; resolves with what it returned once committed. */
  run<T>(work: () => T): Promise<T>;
  /** Commits what is queued now (before the connection closes). */
  flush(): void;
}

interface Queued {
  work: () => unknown;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; err: unknown };

export function createWriteBatch(db: Database.Database, onCommit?: (writes: number) => void): WriteBatch {
  // better-sqlite3 runs a transaction function called inside another as a SAVEPOINT.
  const savepoint = db.transaction((work: () => unknown) => work());
  const commitAll = db.transaction((batch: Queued[]): Outcome[] =>
    batch.map((item) => {
      try {
        return { ok: true, value: savepoint(item.work) };
      } catch (err) {
        return { ok: false, err };
      }
    }),
  );
  let queue: Queued[] = [];
  let scheduled = false;

  const flush = (): void => {
    scheduled = false;
    const batch = queue;
    queue = [];
    if (batch.length === 0) return;
    let outcomes: Outcome[];
    try {
      outcomes = commitAll.immediate(batch);
    } catch (err) {
      // BEGIN or COMMIT failed (a busy lock past busy_timeout, a dead disk): nothing of the batch is stored.
      for (const item of batch) item.reject(err);
      return;
    }
    onCommit?.(batch.length);
    batch.forEach((item, i) => settle(item, outcomes[i] as Outcome));
  };

  const settle = (item: Queued, outcome: Outcome): void => {
    if (outcome.ok) item.resolve(outcome.value);
    else item.reject(outcome.err);
  };

  return {
    run: <T>(work: () => T) =>
      new Promise<T>((resolve, reject) => {
        queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
        if (!scheduled) {
          scheduled = true;
          // After this turn's I/O callbacks, so the writes they issue join the same transaction.
          setImmediate(flush);
        }
      }),
    flush,
  };
}
