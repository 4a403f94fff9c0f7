import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { checkRulesetBytes, type CheckedRuleset } from './ruleset-file.js';

/**
 * The ruleset files of a folder: `*.json` at its top level (the schema lives
 * in a subfolder). Symlinks count, so a Kubernetes ConfigMap mount works;
 * dotfiles (editor locks and swaps) do not.
 */
export async function listRulesetFiles(dir: string): Promise<string[]> {
  const names = await readdir(dir);
  const files: string[] = [];
  for (const name of names.sort()) {
    if (name.startsWith('.') || !name.endsWith('.json')) continue;
    const info = await stat(path.join(dir, name)).catch(() => undefined);
    if (info?.isFile()) files.push(name);
  }
  return files;
}

/**
 * Checks every ruleset file in `dir`, keyed by basename. A file whose bytes
 * have not changed since `previous` keeps its earlier result, so a rescan
 * costs a read and a hash per file, not a recompile.
 */
export async function checkDir(dir: string, previous: ReadonlyMap<string, CheckedRuleset>): Promise<Map<string, CheckedRuleset>> {
  const results = new Map<string, CheckedRuleset>();
  for (const name of await listRulesetFiles(dir)) {
    let bytes: Buffer;
    try {
      bytes = await readFile(path.join(dir, name));
    } catch (err) {
      // Gone between listing and reading: a rename in progress; the next event brings the new name.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      const message = `cannot read file: ${(err as NodeJS.ErrnoException).code ?? String(err)}`;
      results.set(name, { file: name, hash: '', version: null, tests: [], problems: [{ file: name, pointer: '', message }] });
      continue;
    }
    const hash = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    const before = previous.get(name);
    results.set(name, before?.hash === hash ? before : await checkRulesetBytes(bytes, name));
  }
  return results;
}
