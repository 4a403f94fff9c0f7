import { createHash } from 'node:crypto';
import { writeCanonicalJsonInSlices } from '../domain/canonical-json.js';
import semver from 'semver';
import { compileRuleset, type CompiledRuleset } from './compiled-ruleset.js';
import { checkDepth } from './depth-check.js';
import { DEFAULT_MAX_FILE_BYTES, readRulesetFile } from './file-read.js';
import { yieldToEventLoop } from './in-slices.js';
import { jsonSyntaxError } from './json-syntax.js';
import { ProblemList, type Problem } from './problem.js';
import { runRulesetTests, reportFailures, type TestOutcome } from './ruleset-tests.js';
import type { RulesetDefinition } from './ruleset-format.js';
import { checkSchema } from './schema-check.js';
import { checkSemantics } from './semantic-check.js';

/** Everything known about one ruleset file after checking it completely. */
export interface CheckedRuleset {
  /** As given by the caller: a path for the CLI, a basename for the registry. */
  file: string;
  /** `sha256:<hex>` of the bytes as read; '' when the file was not read. */
  hash: string;
  /** The declared version when the file could be read that far and it is a semantic version, else null. */
  version: string | null;
  problems: Problem[];
  /** Outcomes of the embedded tests; empty when the file was too broken to run them. */
  tests: TestOutcome[];
  /** Present exactly when there are no problems. */
  compiled?: CompiledRuleset;
  /** sha256 of the key-sorted JSON of the parsed file: equal for equal content whatever the formatting. */
  canonicalHash?: string;
}

/** A file that was not read or not checked: listed invalid with one reason. */
export function rejectedFile(file: string, message: string, hash = ''): CheckedRuleset {
  const problems = new ProblemList(file);
  problems.add('', message);
  return { file, hash, version: null, problems: problems.items, tests: [] };
}

/** Reads (only a regular file, only up to `maxBytes`) and checks one file; nothing is thrown. */
export async function checkRulesetFile(path: string, file = path, maxBytes = DEFAULT_MAX_FILE_BYTES): Promise<CheckedRuleset> {
  const read = await readRulesetFile(path, maxBytes);
  if (read.kind === 'gone') return rejectedFile(file, 'cannot read file: ENOENT');
  if (read.kind === 'rejected') return rejectedFile(file, read.message);
  return checkRulesetBytes(read.bytes, file);
}

export function hashOf(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/**
 * Depth, parse, schema, semantics, then the file's own tests: valid means all
 * pass. Whatever a file makes the checks throw (a stack overflow included)
 * rejects that file, and only that file. `hash` is hashOf(bytes), for a
 * caller that has it already.
 */
export async function checkRulesetBytes(bytes: Buffer, file: string, hash = hashOf(bytes)): Promise<CheckedRuleset> {
  try {
    return await checkParsed(bytes, file, hash);
  } catch (err) {
    // The error's own message may quote the file; its class says enough.
    const kind = err instanceof Error ? err.name : typeof err;
    return rejectedFile(file, `could not be checked (${kind}); the file is rejected`, hash);
  }
}

/**
 * Every step over a large file is sliced, pausing for the event loop between
 * slices, so a hot reload of 10,000 rules never holds up the requests being
 * served for long (decoding the bytes and JSON.parse are the steps that are not cut).
 */
async function checkParsed(bytes: Buffer, file: string, hash: string): Promise<CheckedRuleset> {
  const problems = new ProblemList(file);
  // Called straight after a read (or a request body), the first setImmediate comes back before
  // any other I/O is polled: this one makes each pause from here on let the requests in.
  await yieldToEventLoop();
  // Decoding and parsing are one step each (~11 and ~16 ms for 4.4 MB here): a decoder
  // in slices must join its pieces, and a join copies the whole text again.
  const text = bytes.toString('utf8').replace(/^\uFEFF/, '');
  await yieldToEventLoop();
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    await yieldToEventLoop();
    const { line, column, expected } = await jsonSyntaxError(text);
    problems.add('', `invalid JSON at line ${line} column ${column}: expected ${expected}`);
    return { file, hash, version: null, problems: problems.items, tests: [] };
  }
  const declared = (document as { version?: unknown } | null)?.version;
  // Shown in GET /rules even for an invalid file, so only when it is what a version looks like.
  const version = typeof declared === 'string' && semver.valid(declared) === declared ? declared : null;
  await yieldToEventLoop();
  // Nothing recursive may touch the document before its depth is known.
  if (!(await checkDepth(document, problems))) return { file, hash, version, problems: problems.items, tests: [] };
  await yieldToEventLoop();
  const canonical = createHash('sha256');
  await writeCanonicalJsonInSlices(document, (piece) => canonical.update(piece), yieldToEventLoop);
  const base = { file, hash, version, canonicalHash: canonical.digest('hex') };

  await yieldToEventLoop();
  if (!(await checkSchema(document, problems))) return { ...base, problems: problems.items, tests: [] };
  const definition = document as RulesetDefinition;
  await yieldToEventLoop();
  await checkSemantics(definition, problems);
  if (!problems.empty) return { ...base, problems: problems.items, tests: [] };

  const compiled = await compileRuleset(definition, { name: definition.name, version: definition.version, hash });
  await yieldToEventLoop();
  const tests = await runRulesetTests(compiled, definition.tests ?? []);
  reportFailures(tests, definition, problems);
  return problems.empty ? { ...base, problems: [], tests, compiled } : { ...base, problems: problems.items, tests };
}
