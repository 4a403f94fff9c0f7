import { readFileSync } from 'node:fs';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { RULESET_SCHEMA_PATH } from '../platform/paths.js';
import { forEachInSlices, type Pause } from './in-slices.js';
import { kindOf, pointer, type ProblemList } from './problem.js';
import { didYouMean } from './suggest.js';

/**
 * The schema split in two, so a file of 10,000 rules is validated a slice of
 * rules at a time instead of in one Ajv call: `envelope` is the whole schema
 * with the rules' items left unchecked, `rule` is what each item must be.
 */
interface Validators {
  envelope: ValidateFunction;
  rule: ValidateFunction;
}

interface RulesetSchema {
  properties: { rules: object };
  $defs: object;
}

let compiled: Validators | undefined;

/** Compiled on first use, then shared: compiling costs milliseconds, checking microseconds. */
function validators(): Validators {
  if (compiled === undefined) {
    const schema = JSON.parse(readFileSync(RULESET_SCHEMA_PATH, 'utf8')) as RulesetSchema;
    const ajv = new Ajv2020({ allErrors: true, verbose: true, strict: true, strictTypes: false, strictRequired: false });
    const envelope = { ...schema, properties: { ...schema.properties, rules: { ...schema.properties.rules, items: true } } };
    compiled = { envelope: ajv.compile(envelope), rule: ajv.compile({ $defs: schema.$defs, $ref: '#/$defs/rule' }) };
  }
  return compiled;
}

/**
 * The errors one Ajv call over the whole document would give, in its order.
 * Ajv reports a document's properties in the order the schema lists them, so
 * the rules' errors go before the first one about `tests` (listed after
 * `rules`). Each rule is validated as /rules/<i> of the document, so its
 * errors carry the same instancePath.
 */
export async function schemaErrors(document: unknown, pause: Pause | undefined): Promise<ErrorObject[]> {
  const { envelope, rule } = validators();
  const errors = envelope(document) ? [] : [...(envelope.errors ?? [])];
  const rules = (document as { rules?: unknown } | null)?.rules;
  // Where the envelope's own checks stop at the document's or the array's type, Ajv never reaches the items either.
  if (document === null || typeof document !== 'object' || Array.isArray(document) || !Array.isArray(rules)) return errors;
  const ruleErrors: ErrorObject[] = [];
  await forEachInSlices(
    rules as unknown[],
    (item, i) => {
      if (!rule(item, { instancePath: pointer('rules', i), parentData: rules, parentDataProperty: i, rootData: document, dynamicAnchors: {} })) {
        ruleErrors.push(...(rule.errors ?? []));
      }
    },
    pause,
  );
  const testsAt = errors.findIndex((e) => e.instancePath === '/tests' || e.instancePath.startsWith('/tests/'));
  errors.splice(testsAt === -1 ? errors.length : testsAt, 0, ...ruleErrors);
  return errors;
}

/**
 * Checks a parsed file against the JSON Schema; true when it conforms. The
 * messages say what was expected and, at most, what kind of value was found:
 * never the value itself (Ajv's `data` is used only for its type).
 */
export async function checkSchema(document: unknown, problems: ProblemList, pause?: Pause): Promise<boolean> {
  const errors = await schemaErrors(document, pause);
  if (errors.length === 0) return true;
  const anyOfAt = new Set(errors.filter((e) => e.keyword === 'anyOf').map((e) => e.instancePath));
  // A file of thousands of bad rules gives tens of thousands of errors: these are sliced too.
  await forEachInSlices(
    errors,
    (error) => {
      // if/then/else report their branch's errors themselves; the "must match then" line only repeats them.
      if (error.keyword === 'if') return;
      // The errors inside propertyNames say which name and why; this one only repeats them.
      if (error.keyword === 'propertyNames') return;
      // Each failed anyOf branch reports too; the one anyOf line says it better.
      if (error.schemaPath.includes('/anyOf/') && anyOfAt.has(error.instancePath)) return;
      const { at, message } = describe(error);
      if (!problems.items.some((p) => p.pointer === at && p.message === message)) problems.add(at, message);
    },
    pause,
  );
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
