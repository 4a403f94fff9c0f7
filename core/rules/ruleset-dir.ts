import { lstat, readdir } from 'node:fs/promises';
import path from 'node:path';
import { yieldToEventLoop } from './in-slices.js';
import { formatProblem } from './problem.js';
import { DEFAULT_MAX_FILE_BYTES, readRulesetFile } from './file-read.js';
import { checkRulesetBytes, hashOf, rejectedFile, type CheckedRuleset } from './ruleset-file.js';

/**
 * The ruleset entries of a folder: `*.json` at its top level that are not
 * folders (the schema lives in a subfolder). Links and other non-regular
 * entries are listed, so they show up as invalid instead of vanishing;
 * dotfiles (editor locks and swaps) are not.
 */
export async function listRulesetFiles(dir: string): Promise<string[]> {
  const names = await readdir(dir);
  const files: string[] = [];
  for (const name of names.sort()) {
    if (name.startsWith('.') || !name.endsWith('.json')) continue;
    const info = await lstat(path.join(dir, name)).catch(() => undefined);
    if (info !== undefined && !info.isDirectory()) files.push(name);
  }
  return files;
}

/**
 * Checks every ruleset file in `dir`, keyed by basename. A file whose bytes
 * have not changed since `previous` keeps its earlier result (as does a file
 * rejected again for the same reason), so a rescan costs a read and a hash
 * per file, not a recompile, and an unchanged bad file is not reported anew.
 * One file can never stop the others: whatever checking it throws rejects it.
 */
export async function checkDir(
  dir: string,
  previous: ReadonlyMap<string, CheckedRuleset>,
  maxFileBytes = DEFAULT_MAX_FILE_BYTES,
): Promise<Map<string, CheckedRuleset>> {
  const results = new Map<string, CheckedRuleset>();
  for (const name of await listRulesetFiles(dir)) {
    const before = previous.get(name);
    let result: CheckedRuleset;
    try {
      const read = await readRulesetFile(path.join(dir, name), maxFileBytes);
      // Gone between listing and reading: a rename in progress; the next event brings the new name.
      if (read.kind === 'gone') continue;
      if (read.kind === 'rejected') result = rejectedFile(name, read.message);
      else {
        // Straight after a read: leave the poll phase first, so the hash is a stretch of its own (see checkParsed).
        await yieldToEventLoop();
        const hash = hashOf(read.bytes);
        result = before?.hash === hash ? before : await checkRulesetBytes(read.bytes, name, hash);
      }
    } catch (err) {
      const kind = err instanceof Error ? err.name : typeof err;
      result = rejectedFile(name, `could not be checked (${kind}); the file is rejected`);
    }
    results.set(name, before !== undefined && sameRejection(before, result) ? before : result);
  }
  return results;
}

function sameRejection(a: CheckedRuleset, b: CheckedRuleset): boolean {
  return a.hash === '' && b.hash === '' && a.problems.map(formatProblem).join('\n') === b.problems.map(formatProblem).join('\n');
}
