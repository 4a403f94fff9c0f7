import { MongoServerError, ReadConcern, WriteConcern, type ClientSession, type Db, type MongoClient } from 'mongodb';

/**
 * Transactions and unique-key races for the MongoDB store.
 *
 * Multi-document transactions need a replica set (or mongos). Production runs
 * mongo as a single-node replica set (docker-compose.yml, `--replSet`), and
 * `assertTransactionsSupported` fails fast at open otherwise, rather than
 * letting the first idempotent request or report count fail later.
 */

const DUPLICATE_KEY = 11000;

export function isDuplicateKey(err: unknown): boolean {
  return err instanceof MongoServerError && err.code === DUPLICATE_KEY;
}

/**
 * Runs `work` in one transaction. The driver retries the whole callback on
 * transient errors (e.g. a write conflict with a concurrent transaction),
 * so `work` must not swallow errors and must be safe to run again.
 */
export async function inTransaction<T>(client: MongoClient, work: (session: ClientSession) => Promise<T>): Promise<T> {
  return client.withSession((session) =>
    session.withTransaction(work, {
      // Snapshot reads + majority commit: what the transaction decided on is
      // exactly what it read, and a committed result survives failover.
      readConcern: new ReadConcern('snapshot'),
      writeConcern: new WriteConcern('majority'),
      readPreference: 'primary',
    }),
  );
}

/**
 * Runs `attempt` again when it lost a unique-key race: the winner's document
 * is committed by then, so the next attempt reads it and answers from it.
 * Only for single writes outside a transaction (e.g. an upsert): inside one,
 * the same race surfaces as a WriteConflict, which withTransaction retries
 * itself (see inTransaction), so wrapping a transaction in this is dead code.
 */
export async function retryOnDuplicateKey<T>(attempt: () => Promise<T>, attempts = 3): Promise<T> {
  for (let n = 1; ; n += 1) {
    try {
      return await attempt();
    } catch (err) {
      if (n >= attempts || !isDuplicateKey(err)) throw err;
    }
  }
}

export async function assertTransactionsSupported(db: Db): Promise<void> {
  const hello = await db.admin().command({ hello: 1 });
  const replicaSet = typeof hello.setName === 'string';
  const router = hello.msg === 'isdbgrid';
  if (!replicaSet && !router) {
    throw new Error(
      'MongoDB store needs transactions: run mongod as a replica set (e.g. --replSet rs0, then rs.initiate())',
    );
  }
}
