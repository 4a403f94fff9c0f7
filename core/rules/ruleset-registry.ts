import { EventEmitter } from 'node:events';
import { AppError } from '../platform/errors.js';
import type { Logger } from '../platform/logger.js';
import type { CompiledRuleset } from './compiled-ruleset.js';
import { watchDir, type DirWatcher } from './dir-watcher.js';
import { formatProblem } from './problem.js';
import { activeStatus, buildStatus, clipBytes, STATUS_LIMITS, type ActiveRuleset, type LastReload, type RulesStatus } from './registry-status.js';
import { checkDir } from './ruleset-dir.js';
import type { CheckedRuleset } from './ruleset-file.js';
import { selectActive } from './select-active.js';
import { markVersionConflicts } from './version-conflicts.js';

export { createRulesRecommender } from './rules-recommender.js';

export interface RulesetRegistryOptions {
  dir: string;
  logger: Logger;
  /** RULES_MAX_FILE_BYTES: a larger file is listed invalid without being read; default 1 MiB. */
  maxFileBytes?: number;
  /** How long a written file must keep its size before rescanning; default 250 ms. */
  debounceMs?: number;
  /** Safety-net rescan interval for mounts that deliver no file events; default 3000 ms, 0 disables. */
  pollMs?: number;
  onReload?: (outcome: ReloadOutcome) => void;
}

export interface ReloadOutcome {
  ok: boolean;
  activeVersion?: string;
  /** Why the reload was not ok: rejected files with their problems. */
  error?: string;
}

export interface RulesetRegistry {
  /** Loads the folder and starts watching it; rejects, naming every bad file, when none is valid. */
  start(): Promise<void>;
  /** The ruleset serving now. Take it once per request, so one version decides it all. */
  current(): CompiledRuleset;
  status(): RulesStatus;
  /** Rescans now; resolves when done. Reloads never overlap. */
  reload(): Promise<ReloadOutcome>;
  /** Emits 'reload' with a ReloadOutcome after each rescan that found a change. */
  readonly events: EventEmitter;
  close(): Promise<void>;
}

/** Problems listed when start fails; a folder of thousands of bad files must still give a readable line. */
const MAX_START_ERRORS = 50;

export function createRulesetRegistry(options: RulesetRegistryOptions): RulesetRegistry {
  const { dir, logger } = options;
  const events = new EventEmitter();
  let raw = new Map<string, CheckedRuleset>();
  let files: CheckedRuleset[] = [];
  let active: ActiveRuleset | undefined;
  let lastReload: LastReload | undefined;
  let watcher: DirWatcher | undefined;
  let queue: Promise<unknown> = Promise.resolve();
  let lastErrors: string[] = [];

  async function rescan(): Promise<ReloadOutcome | undefined> {
    const previous = raw;
    raw = await checkDir(dir, previous, options.maxFileBytes);
    const changed = [...raw.values()].filter((c) => previous.get(c.file) !== c);
    const removed = [...previous.keys()].filter((name) => !raw.has(name));
    if (changed.length === 0 && removed.length === 0 && lastReload !== undefined) return undefined;

    const before = new Map(files.map((c) => [c.file, c]));
    files = markVersionConflicts([...raw.values()]);
    // Report what this rescan newly found bad: changed files, and files a new conflict knocked out.
    const rejected = files.filter(
      (c) => c.compiled === undefined && (changed.some((x) => x.file === c.file) || before.get(c.file)?.compiled !== undefined || lastReload === undefined),
    );
    for (const checked of rejected) logger.error({ file: checked.file, errors: checked.problems.map(formatProblem) }, 'ruleset rejected');

    const next = selectActive(files, active);
    if (next !== undefined && next.compiled !== active?.compiled) {
      const loadedAt = new Date();
      active = { ...next, loadedAt, status: await activeStatus(next.compiled, loadedAt) };
      logger.info({ version: next.compiled.ref.version, file: next.file, hash: next.compiled.ref.hash }, 'ruleset activated');
    }
    const errors = rejected.flatMap((c) => c.problems.map(formatProblem));
    if (files.every((c) => c.compiled === undefined)) {
      errors.push(files.length === 0 ? `no ruleset files (*.json) in ${dir}` : `no valid ruleset file in ${dir}`);
    }
    lastErrors = errors;
    const outcome: ReloadOutcome = {
      ok: errors.length === 0,
      ...(active !== undefined ? { activeVersion: active.compiled.ref.version } : {}),
      ...(errors.length > 0 ? { error: clipBytes(errors.join('; '), STATUS_LIMITS.reloadErrorBytes) } : {}),
    };
    lastReload = { at: new Date().toISOString(), ok: outcome.ok, ...(outcome.error !== undefined ? { error: outcome.error } : {}) };
    try {
      options.onReload?.(outcome);
    } catch (err) {
      // A metrics callback must not break reloading.
      logger.error({ err }, 'ruleset onReload callback failed');
    }
    events.emit('reload', outcome);
    return outcome;
  }

  function reload(): Promise<ReloadOutcome> {
    // Nothing changed: report the standing state without logging or notifying again.
    const standing = (): ReloadOutcome => ({
      ok: lastReload?.ok ?? false,
      ...(active !== undefined ? { activeVersion: active.compiled.ref.version } : {}),
    });
    const run = queue.then(rescan).then((outcome) => outcome ?? standing());
    queue = run.catch(() => undefined);
    return run;
  }

  function reloadInBackground(): void {
    reload().catch((err: unknown) => logger.error({ err, dir }, 'ruleset reload failed'));
  }

  return {
    events,
    async start() {
      try {
        // Watch before the first scan, so a change made during it is not missed.
        watcher = await watchDir({
          dir,
          stableMs: options.debounceMs ?? 250,
          pollMs: options.pollMs ?? 3000,
          onChange: reloadInBackground,
          onError: (err) => logger.error({ err, dir }, 'rules directory watch failed'),
        });
        await reload();
      } catch (err) {
        await watcher?.close();
        throw new Error(`cannot load rulesets from ${dir}: ${(err as Error).message}`, { cause: err });
      }
      if (active === undefined) {
        await watcher.close();
        const shown = lastErrors.slice(0, MAX_START_ERRORS);
        if (lastErrors.length > shown.length) shown.push(`and ${lastErrors.length - shown.length} more`);
        throw new Error(`no valid ruleset in ${dir}:\n${shown.join('\n')}`);
      }
    },
    current() {
      if (active === undefined) throw new AppError('UNAVAILABLE', 'no valid ruleset is loaded');
      return active.compiled;
    },
    status: () => buildStatus(active, files, lastReload),
    reload,
    async close() {
      await watcher?.close();
      watcher = undefined;
      await queue;
    },
  };
}
