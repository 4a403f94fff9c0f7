import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * Checkpoints a WAL-mode SQLite file from a thread of its own. A checkpoint
 * copies the WAL's pages into the database file and fsyncs it: about 15 ms
 * for 1000 pages on this project's VM, where every system call is expensive.
 * Left to SQLite (wal_autocheckpoint), it runs inside whichever COMMIT crosses
 * the threshold and stalls that thread's event loop, and every request
 * waiting on it. Here a separate connection runs a PASSIVE checkpoint every
 * interval, which never blocks the writer; the writer's own connection sets
 * wal_autocheckpoint to 0.
 *
 * A PASSIVE pass alone cannot keep the WAL bounded under steady writes: the
 * WAL starts over from its beginning only when a writer begins after a
 * checkpoint that copied every frame, and new commits always land while a
 * pass runs (the WAL grew by about 70 MB/s under the benchmark's POST load).
 * So once the WAL holds `restartFrames` frames, a RESTART pass follows the
 * PASSIVE ones: it holds writers off while it copies the few frames committed
 * meanwhile, and the next commit starts the WAL over. The writer's
 * journal_size_limit then trims the file. Under the benchmark's POST load,
 * catching up first and retrying RESTART instead of sleeping in SQLite's busy
 * handler cut the time the writer waited for the lock from about 400 ms to
 * about 100 ms in each 10 s.
 */
export interface Checkpointer {
  /** Runs a last checkpoint, then ends the thread. */
  close(): Promise<void>;
}

const driver = createRequire(import.meta.url).resolve('better-sqlite3');

// Plain CommonJS, evaluated as is: no TypeScript loader to start, so the thread is up at once.
const THREAD = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
// No SQLite busy handler: RESTART would sleep in it (1, 2, 5, 10 ms...)
// while it holds the write lock and waits for a reader, with every writer
// waiting behind it. It retries below instead, letting go in between.
db.pragma('busy_timeout = 0');
const CAUGHT_UP_FRAMES = 16;
const MAX_CATCH_UP_PASSES = 6;
const RESTART_RETRY_MS = 0.5;
const RESTART_ATTEMPTS = 200;
// After a RESTART that a reader kept from finishing, the next passes skip
// RESTART, so that writers are not held off again and again.
const RESTART_BACKOFF_PASSES = 10;
let restartBackoff = 0;
const pause = new Int32Array(new SharedArrayBuffer(4));
// RESTART holds writers off while it syncs the WAL, copies the frames left
// and syncs the database file. Each PASSIVE pass copies (and syncs) what was
// committed during the one before, so the passes shorten until the writer
// is nearly caught up, and RESTART then has little left to do.
const catchUp = (frames) => {
  for (let pass = 0; pass < MAX_CATCH_UP_PASSES; pass++) {
    const [{ log }] = db.pragma('wal_checkpoint(PASSIVE)');
    const committedMeanwhile = log - frames;
    frames = log;
    if (committedMeanwhile < CAUGHT_UP_FRAMES) return;
  }
};
// A busy RESTART returns at once: it found a writer mid-transaction, a
// reader still on the WAL, or another process's checkpointer at work. It
// has then let go of the write lock.
const restart = () => {
  for (let attempt = 1; attempt <= RESTART_ATTEMPTS; attempt++) {
    const [{ busy }] = db.pragma('wal_checkpoint(RESTART)');
    if (!busy) return true;
    Atomics.wait(pause, 0, 0, RESTART_RETRY_MS);
  }
  return false;
};
const checkpoint = () => {
  try {
    const [{ log }] = db.pragma('wal_checkpoint(PASSIVE)');
    if (log < workerData.restartFrames) return;
    if (restartBackoff > 0) {
      restartBackoff -= 1;
      return;
    }
    catchUp(log);
    if (!restart()) restartBackoff = RESTART_BACKOFF_PASSES;
  } catch (err) {
    parentPort.postMessage({ error: String(err && err.message || err) });
  }
};
const timer = setInterval(checkpoint, workerData.intervalMs);
parentPort.on('message', () => {
  clearInterval(timer);
  checkpoint();
  db.close();
  parentPort.close();
});
`;

export interface CheckpointerOptions {
  intervalMs?: number;
  /** WAL size, in frames (pages), from which a pass also restarts the WAL. */
  restartFrames?: number;
  onError?: ((message: string) => void) | undefined;
}

export function startCheckpointer(file: string, options: CheckpointerOptions = {}): Checkpointer {
  const { intervalMs = 250, restartFrames = 4096 } = options;
  const thread = new Worker(THREAD, { eval: true, workerData: { driver, file, intervalMs, restartFrames } });
  thread.on('message', (message: { error?: string }) => {
    if (message.error !== undefined) options.onError?.(message.error);
  });
  // A checkpointer that died (say its file was deleted) leaves the WAL to grow; it must not take the process down.
  thread.on('error', (err) => options.onError?.(err.message));
  const exited = new Promise<void>((resolve) => thread.once('exit', () => resolve()));
  // Like the connection it serves, it must not keep a process alive on its own.
  thread.unref();
  return {
    async close() {
      thread.postMessage('close');
      await exited;
    },
  };
}
