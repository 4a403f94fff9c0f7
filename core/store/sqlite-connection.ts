import Database from 'better-sqlite3';
import { migrate } from './sqlite-schema.js';

/**
 * Opens one SQLite connection the way the store needs it. The API and the
 * worker run as separate processes on one file, so every setting here is
 * about sharing that file safely, with SQLite's own machinery only.
 */

/** How long a connection waits for another process's write lock before it fails with SQLITE_BUSY. */
export const BUSY_TIMEOUT_MS = 5000;
/** SQLite's default, stated: a commit that leaves the WAL this many pages long checkpoints it. */
export const WAL_AUTOCHECKPOINT_PAGES = 1000;
/** About twice the ~4 MB the WAL reaches between checkpoints: a file a burst made larger is cut back to this. */
const WAL_SIZE_LIMIT_BYTES = 8 * 1024 * 1024;

/** Synchronous, like better-sqlite3: the file is open and migrated on return. */
export function openSqliteConnection(file: string): Database.Database {
  const db = new Database(file);
  try {
    configure(db);
    migrate(db);
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}

function configure(db: Database.Database): void {
  // First, so that everything after it waits for a process that holds the
  // lock (switching a new file to WAL, migrating) instead of failing at once.
  // The wait blocks this process's thread; the transactions it waits for are
  // a few small statements each, so it is short.
  db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  // WAL lets readers run beside the writer. With NORMAL, a COMMIT has written
  // its frames to the WAL (into the OS) before it returns, so a write the
  // store acknowledged survives kill -9 of the process; fsync happens only at
  // checkpoints, so a power cut may lose the last commits, never half of one.
  // FULL would fsync every commit to survive power loss too, at that cost.
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  // The commit that crosses the threshold runs a PASSIVE checkpoint after it
  // has committed, so it delays that call, never the commit, and waits for no
  // one. Once a pass has copied every frame and no reader still needs them,
  // the next write starts the WAL over: that keeps the WAL bounded.
  db.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
  db.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT_BYTES}`);
  // Measured with npm run bench: fewer page reads gave ~7% more POST /evaluate.
  db.pragma('cache_size = -32000');
}
