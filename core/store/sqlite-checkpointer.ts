import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * Checkpoints a WAL-mode SQLite file from a thread of its own. A checkpoint
 * copies the WAL's pages into the database file and fsyncs it: tens to
 * hundreds of milliseconds on a slow disk. Left to SQLite (wal_autocheckpoint),
 * it runs inside whichever COMMIT crosses the threshold and stalls that
 * thread's event loop, and every request waiting on it. Here a separate
 * connection runs a PASSIVE checkpoint every interval, which never blocks
 * the writer; the writer's own connection sets wal_autocheckpoint to 0.
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
db.pragma('busy_timeout = 5000');
const checkpoint = () => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
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

export function startCheckpointer(file: string, options: { intervalMs?: number; onError?: ((message: string) => void) | undefined } = {}): Checkpointer {
  const thread = new Worker(THREAD, { eval: true, workerData: { driver, file, intervalMs: options.intervalMs ?? 500 } });
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
