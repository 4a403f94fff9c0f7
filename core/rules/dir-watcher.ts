import { watch, type FSWatcher } from 'node:fs';

export interface DirWatcherOptions {
  dir: string;
  /** Quiet time after the last change before `onChange` runs. */
  debounceMs: number;
  /** A stream of changes still triggers `onChange` at least this often. */
  maxWaitMs: number;
  /** Rescans this often even without events (0: never), for mounts where inotify stays silent. */
  pollMs: number;
  onChange: () => void;
  onError: (err: Error) => void;
}

export interface DirWatcher {
  close(): void;
}

/**
 * Calls `onChange` once a burst of changes in `dir` has settled. Editors save
 * by writing a temp file and renaming it, or by writing in chunks; waiting for
 * quiet means the rescan sees the finished file (and a still-broken one is
 * simply rejected and picked up again on the next event).
 */
export function watchDir(options: DirWatcherOptions): DirWatcher {
  let timer: NodeJS.Timeout | undefined;
  let firstEventAt: number | undefined;

  const fire = (): void => {
    timer = undefined;
    firstEventAt = undefined;
    options.onChange();
  };

  const changed = (): void => {
    const now = Date.now();
    firstEventAt ??= now;
    if (timer !== undefined) clearTimeout(timer);
    const wait = Math.max(0, Math.min(options.debounceMs, firstEventAt + options.maxWaitMs - now));
    timer = setTimeout(fire, wait);
  };

  const watcher: FSWatcher = watch(options.dir, { persistent: false }, changed);
  watcher.on('error', options.onError);
  const poll = options.pollMs > 0 ? setInterval(options.onChange, options.pollMs) : undefined;
  poll?.unref();

  return {
    close() {
      if (timer !== undefined) clearTimeout(timer);
      if (poll !== undefined) clearInterval(poll);
      watcher.close();
    },
  };
}
