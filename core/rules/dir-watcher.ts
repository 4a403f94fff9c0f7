import { watch } from 'chokidar';

export interface DirWatcherOptions {
  dir: string;
  /** A written file must keep its size this long before `onChange` runs (chokidar's awaitWriteFinish). */
  stableMs: number;
  /** Rescans this often even without events (0: never), for mounts where inotify stays silent. */
  pollMs: number;
  onChange: () => void;
  onError: (err: Error) => void;
}

export interface DirWatcher {
  close(): Promise<void>;
}

/**
 * Calls `onChange` when something at the top level of `dir` changes, once a
 * written file has stopped growing: editors that write in chunks are read
 * whole, and a still-broken file is simply rejected and picked up again on
 * the next event. Any entry counts, dotfiles included (a Kubernetes ConfigMap
 * update swaps its `..data` link); the rescan decides what is a ruleset.
 * Resolves once the watch is in place, so a change made after it is not missed.
 */
export async function watchDir(options: DirWatcherOptions): Promise<DirWatcher> {
  const watcher = watch(options.dir, {
    depth: 0,
    followSymlinks: false,
    ignoreInitial: true,
    persistent: false,
    awaitWriteFinish: { stabilityThreshold: options.stableMs, pollInterval: Math.min(50, options.stableMs) },
  });
  watcher.on('all', () => options.onChange());
  watcher.on('error', (err) => options.onError(err instanceof Error ? err : new Error(String(err))));
  await new Promise<void>((resolve) => watcher.once('ready', resolve));
  const poll = options.pollMs > 0 ? setInterval(options.onChange, options.pollMs) : undefined;
  poll?.unref();

  return {
    async close() {
      if (poll !== undefined) clearInterval(poll);
      await watcher.close();
    },
  };
}
