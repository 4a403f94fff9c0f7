import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { checkFhirFactsConfig } from './facts-config.js';

/**
 * The rules CLI's check of rules/fhir/facts.json: a folder given to
 * `clinical-rules validate` has its `fhir/facts.json` checked beside its
 * rulesets, and the file can be named on its own. Same line format:
 * `<file>: <json-pointer>: <message>`.
 */
export interface FactsFileCheck {
  file: string;
  ok: boolean;
  problems: Array<{ pointer: string; message: string; line: string }>;
}

/** A path that names a FHIR facts file rather than a ruleset. */
export function isFhirFactsPath(given: string): boolean {
  return path.basename(given) === 'facts.json' && path.basename(path.dirname(path.resolve(given))) === 'fhir';
}

export async function checkFhirFactsFiles(paths: readonly string[]): Promise<FactsFileCheck[]> {
  const files: string[] = [];
  for (const given of paths) {
    if (isFhirFactsPath(given)) files.push(given);
    else if ((await stat(given).catch(() => undefined))?.isDirectory()) {
      const inside = path.join(given, 'fhir', 'facts.json');
      if ((await stat(inside).catch(() => undefined))?.isFile()) files.push(inside);
    }
  }
  return Promise.all([...new Set(files)].map(checkOne));
}

async function checkOne(file: string): Promise<FactsFileCheck> {
  const fail = (pointer: string, message: string): FactsFileCheck => ({ file, ok: false, problems: [{ pointer, message, line: `${file}: ${pointer === '' ? '/' : pointer}: ${message}` }] });
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    return fail('', `cannot read file: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    return fail('', 'invalid JSON');
  }
  const { problems } = checkFhirFactsConfig(document);
  return {
    file,
    ok: problems.length === 0,
    problems: problems.map((p) => ({ ...p, line: `${file}: ${p.pointer === '' ? '/' : p.pointer}: ${p.message}` })),
  };
}

/** Text lines: one per problem, or one "ok" line. */
export function factsLines(checks: readonly FactsFileCheck[]): string[] {
  return checks.flatMap((c) => (c.ok ? [`${c.file}: ok (FHIR facts mapping)`] : c.problems.map((p) => p.line)));
}
