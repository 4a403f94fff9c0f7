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
 * Keys survive restarts (the file is read on open) and are shared by the
 * worker processes of one DATA_DIR: before deciding that a key is new, the
 * log reads what other processes appended since. Each line is one write(2)
 * in append mode, so lines of several processes never interleave, and a
 * line is in the file (the OS's page cache) once `append` resolves: it
 * survives kill -9 of the process.
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

export async function openDeliveryLog(file: string): Promise<DeliveryLog> {
  await mkdir(path.dirname(file), { recursive: true });
  const handle = await open(file, 'a+');
  const keys = new Map<string, string>();
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

  // Operations of this process run one at a time, so a catch-up and the
  // append that follows it are never interleaved with another's.
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(work: () => Promise<T>): Promise<T> => {
    const run = queue.then(work);
    queue = run.catch(() => undefined);
    return run;
  };

  await catchUp();
  // A line cut short (a power cut mid-write) is ended, so the next one starts clean.
  if (partial !== '') {
    await handle.write('\n');
    partial = '';
    consumed += 1;
  }

  return {
    file,
    find: (key) => serial(async () => keys.get(key) ?? (await catchUp(), keys.get(key))),
    append: (entry) =>
      serial(async () => {
        await catchUp();
        if (keys.has(entry.key)) return false;
        await handle.write(`${JSON.stringify(entry)}\n`);
        // Not counted as consumed: another process may have appended first; the next catch-up reads both.
        keys.set(entry.key, entry.at);
        return true;
      }),
    close: () => serial(() => handle.close()),
  };
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
