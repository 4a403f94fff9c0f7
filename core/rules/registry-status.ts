import semver from 'semver';
import type { CompiledRuleset } from './compiled-ruleset.js';
import { ITEMS_PER_SLICE, yieldToEventLoop, type Pause } from './in-slices.js';
import { clip, formatLocated } from './problem.js';
import type { CheckedRuleset } from './ruleset-file.js';

/** The body of GET /rules. */
export interface RulesStatus {
  /** Null only before the registry has started successfully. */
  active: ActiveRulesetStatus | null;
  versions: RulesetFileStatus[];
  /** Files on disk left out of `versions` to keep the body small (present only when some were). */
  versions_omitted?: number;
  /** Null only before the first load. */
  last_reload: LastReload | null;
}

export interface ActiveRulesetStatus {
  name: string;
  version: string;
  hash: string;
  loaded_at: string;
  description?: string;
  rules: RuleSummary[];
  /** Rules left out of `rules` to keep the body small (present only when some were). */
  rules_omitted?: number;
}

export interface RuleSummary {
  id: string;
  description?: string;
  priority: number;
  code: string;
  title: string;
}

export interface RulesetFileStatus {
  file: string;
  version: string | null;
  hash: string | null;
  status: 'active' | 'valid' | 'invalid';
  error?: string;
}

export interface LastReload {
  at: string;
  ok: boolean;
  error?: string;
}

export interface ActiveRuleset {
  compiled: CompiledRuleset;
  /** Basename of the file it was compiled from. */
  file: string;
  loadedAt: Date;
  /** Its part of GET /rules, the same until the next load: built once, by activeStatus, when it is activated. */
  status: ActiveRulesetStatus;
}

/**
 * GET /rules stays under 1 MiB whatever is on disk (DESIGN.md): at most
 * MAX_LISTED_FILES files (the active one always among them), each error and
 * the last reload's error clipped, and the active rules listed up to a byte
 * budget. Worst case about 100 x 3 KiB + 8 KiB + 512 KiB + 6 KiB of description.
 */
export const STATUS_LIMITS = {
  listedFiles: 100,
  fileNameBytes: 255,
  fileErrorBytes: 2048,
  reloadErrorBytes: 8192,
  activeRulesBytes: 512 * 1024,
} as const;

export function buildStatus(active: ActiveRuleset | undefined, files: readonly CheckedRuleset[], lastReload: LastReload | undefined): RulesStatus {
  const all = files
    .map((checked): RulesetFileStatus => {
      const isActive = active !== undefined && checked.file === active.file && checked.hash === active.compiled.ref.hash;
      const status = checked.compiled === undefined ? 'invalid' : isActive ? 'active' : 'valid';
      return {
        file: clipBytes(checked.file, STATUS_LIMITS.fileNameBytes),
        version: checked.version,
        hash: checked.hash === '' ? null : checked.hash,
        status,
        // The entry names the file already; each problem keeps its pointer.
        ...(checked.problems.length > 0 ? { error: clipBytes(checked.problems.map(formatLocated).join('; '), STATUS_LIMITS.fileErrorBytes) } : {}),
      };
    })
    .sort(byVersionDescThenFile);
  const versions = all.slice(0, STATUS_LIMITS.listedFiles);
  const activeEntry = all.find((v) => v.status === 'active');
  if (activeEntry !== undefined && !versions.includes(activeEntry)) versions[versions.length - 1] = activeEntry;
  return {
    active: active === undefined ? null : active.status,
    versions,
    ...(all.length > versions.length ? { versions_omitted: all.length - versions.length } : {}),
    last_reload:
      lastReload === undefined
        ? null
        : { ...lastReload, ...(lastReload.error !== undefined ? { error: clipBytes(lastReload.error, STATUS_LIMITS.reloadErrorBytes) } : {}) },
  };
}

/** At most `maxBytes` of UTF-8 once serialised as JSON, control characters made visible; ends in "…" when cut. */
export function clipBytes(text: string, maxBytes: number): string {
  const safe = clip(text, text.length);
  if (Buffer.byteLength(JSON.stringify(safe)) - 2 <= maxBytes) return safe;
  let bytes = 0;
  let end = 0;
  for (const ch of safe) {
    const size = Buffer.byteLength(ch) + (ch === '"' || ch === '\\' ? 1 : 0);
    if (bytes + size > maxBytes - 3) break;
    bytes += size;
    end += ch.length;
  }
  return `${safe.slice(0, end)}…`;
}

/**
 * The active version's part of GET /rules. Listing 10,000 rules takes ~10 ms,
 * so it is done a slice at a time while the version is being activated, not
 * by the first request after the swap.
 */
export async function activeStatus(compiled: CompiledRuleset, loadedAt: Date, pause: Pause = yieldToEventLoop): Promise<ActiveRulesetStatus> {
  const { definition, ordered, ref } = compiled;
  const rules: RuleSummary[] = [];
  let bytes = 0;
  // In the order decisions report fired rules in.
  for (const rule of ordered) {
    if (rules.length > 0 && rules.length % ITEMS_PER_SLICE === 0) await pause();
    const summary: RuleSummary = {
      id: rule.id,
      ...(rule.description !== undefined ? { description: rule.description } : {}),
      priority: rule.priority,
      code: rule.recommendation.code,
      title: rule.recommendation.title,
    };
    bytes += Buffer.byteLength(JSON.stringify(summary)) + 1;
    if (bytes > STATUS_LIMITS.activeRulesBytes) break;
    rules.push(summary);
  }
  return {
    ...ref,
    loaded_at: loadedAt.toISOString(),
    ...(definition.description !== undefined ? { description: definition.description } : {}),
    rules,
    ...(rules.length < ordered.length ? { rules_omitted: ordered.length - rules.length } : {}),
  };
}

/** Newest version first; files without a readable semver at the end. */
function byVersionDescThenFile(a: RulesetFileStatus, b: RulesetFileStatus): number {
  const va = a.version !== null && semver.valid(a.version) !== null ? a.version : undefined;
  const vb = b.version !== null && semver.valid(b.version) !== null ? b.version : undefined;
  if (va !== undefined && vb !== undefined && va !== vb) return semver.rcompare(va, vb);
  if (va === undefined && vb !== undefined) return 1;
  if (va !== undefined && vb === undefined) return -1;
  return a.file.localeCompare(b.file);
}
