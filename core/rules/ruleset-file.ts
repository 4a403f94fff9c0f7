import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { compileRuleset, type CompiledRuleset } from './compiled-ruleset.js';
import { jsonErrorLocation } from './json-syntax.js';
import { ProblemList, type Problem } from './problem.js';
import { runRulesetTests, reportFailures, type TestOutcome } from './ruleset-tests.js';
import { checkSchema } from './schema-check.js';
import { checkSemantics } from './semantic-check.js';

/** Everything known about one ruleset file after checking it completely. */
export interface CheckedRuleset {
  /** As given by the caller: a path for the CLI, a basename for the registry. */
  file: string;
  /** `sha256:<hex>` of the bytes as read. */
  hash: string;
  /** The declared version when the file could be read that far, else null. */
  version: string | null;
  problems: Problem[];
  /** Outcomes of the embedded tests; empty when the file was too broken to run them. */
  tests: TestOutcome[];
  /** Present exactly when there are no problems. */
  compiled?: CompiledRuleset;
  /** Key-sorted JSON of the parsed file: equal content whatever the formatting. */
  canonical?: string;
}

/** Reads and checks one file; a file that cannot be read is reported, not thrown. */
export async function checkRulesetFile(path: string, file = path): Promise<CheckedRuleset> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    const problems = new ProblemList(file);
    problems.add('', `cannot read file: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    return { file, hash: '', version: null, problems: problems.items, tests: [] };
  }
  return checkRulesetBytes(bytes, file);
}

/** Parse, schema, semantics, then the file's own tests: valid means all four pass. */
export async function checkRulesetBytes(bytes: Buffer, file: string): Promise<CheckedRuleset> {
  const hash = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  const problems = new ProblemList(file);
  const text = bytes.toString('utf8').replace(/^\uFEFF/, '');
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (err) {
    problems.add('', `invalid JSON: ${describeParseError(err, text)}`);
    return { file, hash, version: null, problems: problems.items, tests: [] };
  }
  const declared = (document as { version?: unknown } | null)?.version;
  const version = typeof declared === 'string' ? declared : null;
  const canonical = canonicalJson(document);
  const base = { file, hash, version, canonical };

  if (!checkSchema(document, problems)) return { ...base, problems: problems.items, tests: [] };
  checkSemantics(document, problems);
  if (!problems.empty) return { ...base, problems: problems.items, tests: [] };

  const compiled = await compileRuleset(document, { name: document.name, version: document.version, hash });
  const tests = await runRulesetTests(compiled, document.tests ?? []);
  reportFailures(tests, problems);
  return problems.empty ? { ...base, problems: [], tests, compiled } : { ...base, problems: problems.items, tests };
}

/** V8's message without its own position details, and the line and column authors count by. */
function describeParseError(err: unknown, text: string): string {
  const message = (err instanceof Error ? err.message : String(err))
    .replace(/( in JSON)? at position \d+.*$/s, '')
    .replace(/, (\.\.\.)?".*" is not valid JSON$/s, '');
  const { line, column } = jsonErrorLocation(text);
  return `${message} at line ${line} column ${column}`;
}

export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}
