import { mkdir, open } from 'node:fs/promises';
import path from 'node:path';

/**
 * An append-only JSON-lines file of deliveries, one line per idempotency key
 * (`<recommendation_id>:<channel>`), that ignores a key it already holds.
 * The simulated channels keep one each (what the patient "received"), and
 * the worker keeps one of every delivery a channel confirmed, which it reads
 * before delivering, so a worker killed between the confirmation and the
 * store's `sent` does not deliver again.
 *
 * Keys survive restarts (the file is read on open). With `shared`, other
 * worker processes append to the same file (one DATA_DIR, a Redis queue):
 * before taking a key as new, the log reads what they appended since. Lines
 * are written in append mode, each batch with one write(2), so lines of
 * several processes never interleave; a line is in the OS (page cache) once
 * `append` resolves, so it survives kill -9 of the process.
 */
export interface DeliveryEntry {
  key: string;
  /** ISO-8601 time of the delivery. */
  at: string;
  [field: string]: unknown;
}

export interface DeliveryLog {
  readonly file: string;
  /** The time the key was delivered, or undefined when no process has logged it. */
  find(key: string): Promise<string | undefined>;
  /** Appends the entry unless its key is logged already; false when it was (nothing is written). */
  append(entry: DeliveryEntry): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * A repeat comes only between a channel's confirmation and the store's
 * `sent` (a worker that died in between, its job retried): a few seconds,
 * or the last deliveries before a crash, which are the last lines of the
 * file. So memory holds the newest keys only, oldest dropped first, and RSS
 * stays flat however long the worker runs; the file keeps every line.
 */
export const MAX_REMEMBERED_KEYS = 10_000;

export interface DeliveryLogOptions {
  /** Other processes append to this file too. */
  shared?: boolean;
}

type Op =
  | { kind: 'find'; key: string; done: (at: string | undefined) => void; fail: (err: unknown) => void }
  | { kind: 'append'; entry: DeliveryEntry; done: (written: boolean) => void; fail: (err: unknown) => void };

export async function openDeliveryLog(file: string, options: DeliveryLogOptions = {}): Promise<DeliveryLog> {
  await mkdir(path.dirname(file), { recursive: true });
  const handle = await open(file, 'a+');
  const keys = new RecentKeys();
  let consumed = 0;
  let partial = '';

  /** Reads what was appended (by any process) since the last look. */
  const catchUp = async (): Promise<void> => {
    const { size } = await handle.stat();
    if (size <= consumed) return;
    const chunk = Buffer.alloc(size - consumed);
    const { bytesRead } = await handle.read(chunk, 0, chunk.length, consumed);
    consumed += bytesRead;
    const lines = (partial + chunk.subarray(0, bytesRead).toString('utf8')).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) remember(keys, line);
  };

  await catchUp();
  // A line cut short (a power cut mid-write) is ended, so the next one starts clean.
  if (partial !== '') {
    await handle.write('\n');
    partial = '';
    consumed += 1;
  }

  // Operations queue up while a batch is on disk; the next batch takes them
  // all with one catch-up and one write, so a burst costs a few system calls.
  let queued: Op[] = [];
  let running: Promise<void> | undefined;
  const runBatch = async (batch: Op[]): Promise<void> => {
    try {
      if (options.shared) await catchUp();
      const lines: string[] = [];
      const written: Array<() => void> = [];
      for (const op of batch) {
        if (op.kind === 'find') {
          op.done(keys.get(op.key));
        } else if (keys.has(op.entry.key)) {
          op.done(false);
        } else {
          keys.set(op.entry.key, op.entry.at);
          lines.push(`${JSON.stringify(op.entry)}\n`);
          written.push(() => op.done(true));
        }
      }
      // Not counted as consumed: another process may append between the catch-up and this write; the next catch-up reads both.
      if (lines.length > 0) await handle.write(lines.join(''));
      for (const done of written) done();
    } catch (err) {
      // Nothing of this batch is known to be on disk: forget its keys, so a retry writes them.
      for (const op of batch) {
        if (op.kind === 'append' && keys.get(op.entry.key) === op.entry.at) keys.delete(op.entry.key);
        op.fail(err);
      }
    }
  };
  const drain = async (): Promise<void> => {
    while (queued.length > 0) {
      const batch = queued;
      queued = [];
      await runBatch(batch);
    }
    running = undefined;
  };
  const enqueue = (op: Op): void => {
    queued.push(op);
    // Started after this turn's I/O callbacks, so what they append goes into the same batch.
    running ??= new Promise<void>((resolve) => setImmediate(resolve)).then(drain);
  };

  return {
    file,
    find(key) {
      const at = keys.get(key);
      // Known here, or only this process writes the file: no need to look at it.
      if (at !== undefined || !options.shared) return Promise.resolve(at);
      return new Promise((done, fail) => enqueue({ kind: 'find', key, done, fail }));
    },
    append(entry) {
      if (keys.has(entry.key)) return Promise.resolve(false);
      return new Promise((done, fail) => enqueue({ kind: 'append', entry, done, fail }));
    },
    async close() {
      await running;
      await handle.close();
    },
  };
}

/** A Map that forgets its oldest entries beyond MAX_REMEMBERED_KEYS (a Map iterates in insertion order). */
class RecentKeys extends Map<string, string> {
  override set(key: string, at: string): this {
    super.set(key, at);
    if (this.size > MAX_REMEMBERED_KEYS) this.delete(this.keys().next().value as string);
    return this;
  }
}

function remember(keys: Map<string, string>, line: string): void {
  if (line.trim() === '') return;
  try {
    const entry: unknown = JSON.parse(line);
    if (entry !== null && typeof entry === 'object' && 'key' in entry && typeof entry.key === 'string') {
      const at = 'at' in entry && typeof entry.at === 'string' ? entry.at : '';
      if (!keys.has(entry.key)) keys.set(entry.key, at);
    }
  } catch {
    // A damaged line (see the repair on open) holds no key.
  }
}
