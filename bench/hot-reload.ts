import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import semver from 'semver';
import type { EvaluateLog } from './evaluate-log.js';
import type { HotReloadResult } from './report.js';
import type { ScenarioResult, Slice } from './slices.js';

export interface StagedReload {
  newVersion: string;
  /** When the copy started (ms since the epoch); resolves once the file is written. */
  copiedAt: Promise<number>;
}

/** Copies the highest version in RULES_DIR as the next patch version after `delayMs`, as an operator would (not atomically). */
export async function stageReload(rulesDir: string, delayMs: number): Promise<StagedReload> {
  const files = (await readdir(rulesDir, { withFileTypes: true })).filter((f) => f.isFile() && f.name.endsWith('.json'));
  const rulesets = await Promise.all(
    files.map(async (f) => JSON.parse(await readFile(path.join(rulesDir, f.name), 'utf8')) as { version: string; description?: string }),
  );
  const latest = rulesets.filter((r) => semver.valid(r.version)).sort((a, b) => semver.rcompare(a.version, b.version))[0];
  if (!latest) throw new Error(`no valid ruleset version in ${rulesDir}`);
  const newVersion = semver.inc(latest.version, 'patch') as string;
  const next = { ...latest, version: newVersion, description: `${latest.description ?? ''} (hot reload staged by npm run bench)`.trim() };
  const copiedAt = new Promise<number>((resolve, reject) => {
    setTimeout(() => {
      const at = Date.now();
      writeFile(path.join(rulesDir, `${newVersion}.json`), JSON.stringify(next, null, 2)).then(() => resolve(at), reject);
    }, delayMs);
  });
  return { newVersion, copiedAt };
}

/** Did the POST phase the reload happened in lose any request, and did later responses carry the new version? */
export async function reloadOutcome(staged: StagedReload, phase: ScenarioResult, log: EvaluateLog, ceilingSlices: readonly Slice[]): Promise<HotReloadResult> {
  const copiedAt = await staged.copiedAt;
  const seen = log.versions.get(staged.newVersion);
  return {
    newVersion: staged.newVersion,
    failedRequests: phase.errors + phase.non2xx,
    responsesWithNewVersion: seen?.count ?? 0,
    firstStampedAfterMs: seen ? seen.firstAt - copiedAt : null,
    ceilingSliceInBetween: seen ? ceilingSlices.some((s) => s.startedAt > copiedAt && s.startedAt < seen.firstAt) : false,
    lastVersion: log.lastVersion ?? null,
  };
}
