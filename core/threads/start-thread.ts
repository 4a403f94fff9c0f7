import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Starts `entry` (a module path relative to the caller, without extension)
 * on a worker thread. From source (tsx) the thread must load TypeScript too:
 * tsx-thread.mjs registers tsx there first. The compiled build loads the .js.
 */
export function startThread(callerUrl: string, entry: string, options: WorkerOptions = {}): Worker {
  const extension = path.extname(fileURLToPath(callerUrl));
  const entryUrl = new URL(`${entry}${extension}`, callerUrl);
  if (extension !== '.ts') return new Worker(entryUrl, options);
  return new Worker(new URL('./tsx-thread.mjs', import.meta.url), { ...options, argv: [entryUrl.href] });
}
