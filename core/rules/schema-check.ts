import { readFileSync } from 'node:fs';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { RULESET_SCHEMA_PATH } from '../platform/paths.js';
import type { ProblemList } from './problem.js';
import type { RulesetDefinition } from './ruleset-format.js';
import { didYouMean } from './suggest.js';


let compiled: ValidateFunction | undefined;

/** Compiled on first use, then shared: compiling costs milliseconds, checking microseconds. */
function validator(): ValidateFunction {
  if (compiled === undefined) {
    const schema = JSON.parse(readFileSync(RULESET_SCHEMA_PATH, 'utf8')) as object;
    const ajv = new Ajv2020({ allErrors: true, verbose: true, strict: true, strictTypes: false, strictRequired: false });
    compiled = ajv.compile(schema);
  }
  return compiled;
}

/** Checks a parsed file against the JSON Schema; true when it conforms. */
export function checkSchema(document: unknown, problems: ProblemList): document is RulesetDefinition {
  const validate = validator();
  if (validate(document)) return true;
  const errors = validate.errors ?? [];
  const anyOfAt = new Set(errors.filter((e) => e.keyword === 'anyOf').map((e) => e.instancePath));
  for (const error of errors) {
    // if/then/else report their branch's errors themselves; the "must match then" line only repeats them.
    if (error.keyword === 'if') continue;
    // Each failed anyOf branch reports too; the one anyOf line says it better.
    if (error.schemaPath.includes('/anyOf/') && anyOfAt.has(error.instancePath)) continue;
    const message = describe(error);
    if (!problems.items.some((p) => p.pointer === error.instancePath && p.message === message)) {
      problems.add(error.instancePath, message);
    }
  }
  return false;
}

/** Patterns an author cannot be expected to read, said in words. */
const PATTERN_NAMES: Record<string, string> = {
  '^[A-Z][A-Z0-9_]*$': 'must be upper-case letters, digits and underscores, starting with a letter',
  '^[a-z0-9]+(-[a-z0-9]+)*$': 'must be lower-case letters and digits joined by single hyphens',
  '^[a-z0-9][a-z0-9._-]*$': 'must be lower-case letters, digits, ".", "_" or "-"',
  '^[a-z][a-z0-9_]*$': 'must be lower-case letters, digits and underscores, starting with a letter',
};

function describe(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      if (error.schemaPath.endsWith('/else/else/else/required')) return 'conditions must start with "all", "any" or "not"';
      return `missing required property "${String(params.missingProperty)}"`;
    case 'additionalProperties': {
      const name = String(params.additionalProperty);
      const known = Object.keys((error.parentSchema?.properties as object | undefined) ?? {});
      return `unknown property "${name}"${didYouMean(name, known)}`;
    }
    case 'enum':
      return `must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}, got ${JSON.stringify(error.data)}`;
    case 'pattern':
      if (error.instancePath === '/version') return `${JSON.stringify(error.data)} is not a semantic version (MAJOR.MINOR.PATCH)`;
      return `${JSON.stringify(error.data)} ${PATTERN_NAMES[String(params.pattern)] ?? `must match ${String(params.pattern)}`}`;
    case 'type':
      return `must be ${String(params.type).split(',').join(' or ')}, got ${JSON.stringify(error.data)}`;
    case 'anyOf':
      return 'value must be a number, boolean or string, a list of them, or {"fact": "<name>"}';
    case 'propertyNames':
      return `invalid name "${String(params.propertyName)}"`;
    default:
      return `${error.message ?? 'is invalid'}${error.data === undefined ? '' : `, got ${JSON.stringify(error.data)}`}`;
  }
}
