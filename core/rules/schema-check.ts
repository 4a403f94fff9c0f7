import { readFileSync } from 'node:fs';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { RULESET_SCHEMA_PATH } from '../platform/paths.js';
import { kindOf, pointer, type ProblemList } from './problem.js';
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

/**
 * Checks a parsed file against the JSON Schema; true when it conforms. The
 * messages say what was expected and, at most, what kind of value was found:
 * never the value itself (Ajv's `data` is used only for its type).
 */
export function checkSchema(document: unknown, problems: ProblemList): document is RulesetDefinition {
  const validate = validator();
  if (validate(document)) return true;
  const errors = validate.errors ?? [];
  const anyOfAt = new Set(errors.filter((e) => e.keyword === 'anyOf').map((e) => e.instancePath));
  for (const error of errors) {
    // if/then/else report their branch's errors themselves; the "must match then" line only repeats them.
    if (error.keyword === 'if') continue;
    // The errors inside propertyNames say which name and why; this one only repeats them.
    if (error.keyword === 'propertyNames') continue;
    // Each failed anyOf branch reports too; the one anyOf line says it better.
    if (error.schemaPath.includes('/anyOf/') && anyOfAt.has(error.instancePath)) continue;
    const { at, message } = describe(error);
    if (!problems.items.some((p) => p.pointer === at && p.message === message)) problems.add(at, message);
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

function describe(error: ErrorObject): { at: string; message: string } {
  const params = error.params as Record<string, unknown>;
  // Inside propertyNames the offending value is a key: point at it, as any pointer names keys.
  if (error.propertyName !== undefined) {
    return { at: `${error.instancePath}${pointer(error.propertyName)}`, message: `invalid name: ${valueMessage(error, params)}` };
  }
  if (error.keyword === 'additionalProperties') {
    const name = String(params.additionalProperty);
    const known = Object.keys((error.parentSchema?.properties as object | undefined) ?? {});
    const hint = didYouMean(name, known) || (known.length > 0 ? ` (expected: ${known.join(', ')})` : '');
    return { at: `${error.instancePath}${pointer(name)}`, message: `unknown property${hint}` };
  }
  return { at: error.instancePath, message: valueMessage(error, params) };
}

function valueMessage(error: ErrorObject, params: Record<string, unknown>): string {
  switch (error.keyword) {
    case 'required':
      if (error.schemaPath.endsWith('/else/else/else/required')) return 'conditions must start with "all", "any" or "not"';
      return `missing required property "${String(params.missingProperty)}"`;
    case 'enum':
      return `must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'pattern':
      if (error.instancePath === '/version') return 'must be a semantic version (MAJOR.MINOR.PATCH)';
      return PATTERN_NAMES[String(params.pattern)] ?? `must match ${String(params.pattern)}`;
    case 'type':
      if (params.type === 'integer' && typeof error.data === 'number') return 'must be a whole number';
      return `must be ${String(params.type).split(',').join(' or ')}, got ${kindOf(error.data)}`;
    case 'anyOf':
      return `value must be a number, boolean or string, a list of them, or {"fact": "<name>"}; got ${kindOf(error.data)}`;
    default:
      // Ajv's messages are built from the schema (limits, patterns, formats), never from the data.
      return error.message ?? 'is invalid';
  }
}
