import { formatProblem, pointer } from './problem.js';
import type { CheckedRuleset } from './ruleset-file.js';
import { codes } from './ruleset-tests.js';

/** Text lines for `validate`: one per problem, or one "ok" line per good file. */
export function validateLines(results: readonly CheckedRuleset[]): string[] {
  const lines = results.flatMap((r) => (r.compiled !== undefined ? [`${r.file}: ok (${summary(r)})`] : r.problems.map(formatProblem)));
  return [...lines, totals(results)];
}

/** Text lines for `test`: every test case as PASS/FAIL, plus any other problem of the file. */
export function testLines(results: readonly CheckedRuleset[]): string[] {
  const lines: string[] = [];
  for (const r of results) {
    const failedAt = new Set(r.tests.filter((t) => !t.passed).map((t) => pointer('tests', t.index)));
    for (const t of r.tests) {
      const at = `${r.file}: ${pointer('tests', t.index)}`;
      lines.push(
        t.passed
          ? `PASS ${at}: ${t.name} -> ${codes(t.actual)}`
          : `FAIL ${at}: ${t.name}: expected ${codes(t.expected)}, got ${codes(t.actual)}`,
      );
    }
    // Test failures are printed above already; the rest (schema, semantics, clashes) explain why a file is invalid.
    for (const p of r.problems) if (!failedAt.has(p.pointer)) lines.push(formatProblem(p));
  }
  const tests = results.flatMap((r) => r.tests);
  const failed = tests.filter((t) => !t.passed).length;
  return [...lines, `${tests.length - failed} passed, ${failed} failed; ${totals(results)}`];
}

export function jsonReport(results: readonly CheckedRuleset[]): object {
  return {
    ok: results.every((r) => r.compiled !== undefined),
    files: results.map((r) => ({
      file: r.file,
      version: r.version,
      hash: r.hash === '' ? null : r.hash,
      valid: r.compiled !== undefined,
      problems: r.problems.map((p) => ({ pointer: p.pointer, message: p.message, line: formatProblem(p) })),
      tests: r.tests.map((t) => ({ pointer: pointer('tests', t.index), name: t.name, passed: t.passed, expected: t.expected, actual: t.actual })),
    })),
  };
}

function summary(r: CheckedRuleset): string {
  const rules = r.compiled?.definition.rules.length ?? 0;
  return `${r.compiled?.ref.name ?? '?'} ${r.version ?? '?'}, ${rules} rules, ${r.tests.length} tests passed`;
}

function totals(results: readonly CheckedRuleset[]): string {
  const valid = results.filter((r) => r.compiled !== undefined).length;
  return `${results.length} file${results.length === 1 ? '' : 's'}: ${valid} valid, ${results.length - valid} invalid`;
}
