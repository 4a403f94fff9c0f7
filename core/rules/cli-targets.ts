import { lstat, stat } from 'node:fs/promises';
import path from 'node:path';
import { listRulesetFiles } from './ruleset-dir.js';

/** Files to check, grouped by folder: versions only clash within one folder, as in RULES_DIR. */
export type Targets = Map<string, string[]>;

export class TargetError extends Error {}

/** Expands folders to their ruleset files; a path that does not exist is a usage error. */
export async function resolveTargets(paths: readonly string[]): Promise<Targets> {
  const groups: Targets = new Map();
  const add = (file: string): void => {
    const dir = path.dirname(file);
    const group = groups.get(dir) ?? [];
    if (!group.includes(file)) group.push(file);
    groups.set(dir, group);
  };
  for (const given of paths) {
    // A dangling link still exists: it is checked, and listed invalid, like any link.
    const info = (await stat(given).catch(() => undefined)) ?? (await lstat(given).catch(() => undefined));
    if (info === undefined) throw new TargetError(`no such file or folder: ${given}`);
    if (info.isDirectory()) {
      const files = await listRulesetFiles(given);
      if (files.length === 0) throw new TargetError(`no ruleset files (*.json) in ${given}`);
      for (const name of files) add(path.join(given, name));
    } else {
      add(given);
    }
  }
  return groups;
}
