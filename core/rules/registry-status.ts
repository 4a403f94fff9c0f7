import semver from 'semver';
import type { CompiledRuleset } from './compiled-ruleset.js';
import { formatLocated, formatProblem } from './problem.js';
import type { CheckedRuleset } from './ruleset-file.js';

/** The body of GET /rules. */
export interface RulesStatus {
  /** Null only before the registry has started successfully. */
  active: ActiveRulesetStatus | null;
  versions: RulesetFileStatus[];
  /** Null only before the first load. */
  last_reload: LastReload | null;
}

export interface ActiveRulesetStatus {
  name: string;
  version: string;
  hash: string;
  loaded_at: string;
  description?: string;
  rules: Array<{ id: string; description?: string; priority: number; code: string; title: string }>;
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
}

export function buildStatus(active: ActiveRuleset | undefined, files: readonly CheckedRuleset[], lastReload: LastReload | undefined): RulesStatus {
  return {
    active: active === undefined ? null : activeStatus(active),
    versions: files
      .map((checked): RulesetFileStatus => {
        const isActive = active !== undefined && checked.file === active.file && checked.hash === active.compiled.ref.hash;
        const status = checked.compiled === undefined ? 'invalid' : isActive ? 'active' : 'valid';
        return {
          file: checked.file,
          version: checked.version,
          hash: checked.hash === '' ? null : checked.hash,
          status,
          // The entry names the file already; each problem keeps its pointer.
          ...(checked.problems.length > 0 ? { error: checked.problems.map(formatLocated).join('; ') } : {}),
        };
      })
      .sort(byVersionDescThenFile),
    last_reload: lastReload ?? null,
  };
}

/** Problems of one file as one string, each still naming the file and pointer. */
export function problemsText(checked: CheckedRuleset): string {
  return checked.problems.map(formatProblem).join('; ');
}

function activeStatus({ compiled, loadedAt }: ActiveRuleset): ActiveRulesetStatus {
  const { definition, ref } = compiled;
  return {
    ...ref,
    loaded_at: loadedAt.toISOString(),
    ...(definition.description !== undefined ? { description: definition.description } : {}),
    rules: [...definition.rules]
      .sort((a, b) => b.priority - a.priority || a.id.localeCompare(b.id))
      .map((rule) => ({
        id: rule.id,
        ...(rule.description !== undefined ? { description: rule.description } : {}),
        priority: rule.priority,
        code: rule.recommendation.code,
        title: rule.recommendation.title,
      })),
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
