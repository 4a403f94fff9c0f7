import semver from 'semver';
import type { CompiledRuleset } from './compiled-ruleset.js';
import type { ActiveRuleset } from './registry-status.js';
import type { CheckedRuleset } from './ruleset-file.js';

interface Candidate {
  compiled: CompiledRuleset;
  file: string;
}

/**
 * Which compiled ruleset should serve after a rescan: the highest valid
 * version on disk. The one serving now stays a candidate while its file is
 * still on disk, even if that file has since been edited into something
 * invalid: a bad edit must never take away the last good rules. A deleted
 * file does drop out, so deleting the newest falls back to the next.
 * Returns the current one unchanged when nothing at all is valid.
 */
export function selectActive(files: readonly CheckedRuleset[], current: ActiveRuleset | undefined): Candidate | undefined {
  const candidates: Candidate[] = [];
  for (const checked of files) {
    if (checked.compiled !== undefined) candidates.push({ compiled: checked.compiled, file: checked.file });
  }
  if (current !== undefined) {
    const onDisk = files.find((f) => f.file === current.file);
    if (onDisk !== undefined && onDisk.compiled === undefined) candidates.push(current);
  }
  if (candidates.length === 0) return current;
  return candidates.reduce((best, next) => (better(next, best, current) ? next : best));
}

function better(a: Candidate, b: Candidate, current: ActiveRuleset | undefined): boolean {
  const order = semver.compare(a.compiled.ref.version, b.compiled.ref.version);
  if (order !== 0) return order > 0;
  // Same version (identical copies): keep what serves now, else the first file by name.
  const aServes = a.compiled === current?.compiled;
  const bServes = b.compiled === current?.compiled;
  if (aServes !== bServes) return aServes;
  return a.file < b.file;
}
