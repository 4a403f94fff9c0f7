import type { CheckedRuleset } from './ruleset-file.js';

/**
 * Two files claiming the same version with different content make "version
 * 1.1.0" ambiguous in every stored decision, so both become invalid. Only
 * otherwise valid files take part: a broken draft that forgot to bump its
 * version is already rejected and must not knock out the good file.
 * Same content in two files (a copy) is harmless and allowed.
 */
export function markVersionConflicts(checked: readonly CheckedRuleset[]): CheckedRuleset[] {
  const byVersion = new Map<string, CheckedRuleset[]>();
  for (const result of checked) {
    if (result.compiled === undefined || result.version === null) continue;
    const group = byVersion.get(result.version) ?? [];
    group.push(result);
    byVersion.set(result.version, group);
  }
  return checked.map((result) => {
    if (result.compiled === undefined || result.version === null) return result;
    const others = (byVersion.get(result.version) ?? []).filter((o) => o !== result && o.canonicalHash !== result.canonicalHash);
    if (others.length === 0) return result;
    const names = others.map((o) => o.file).join(', ');
    const { compiled: _dropped, ...rest } = result;
    return {
      ...rest,
      problems: [
        ...result.problems,
        { file: result.file, pointer: '/version', message: `this version is also declared by ${names} with different content` },
      ],
    };
  });
}
