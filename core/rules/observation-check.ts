import type { ObservationValue } from '../domain/recommendation.js';
import { AppError, type FieldProblem } from '../platform/errors.js';
import { pointer } from './problem.js';
import type { ObservationDeclaration, RulesetDefinition } from './ruleset-format.js';
import { closest } from './suggest.js';

/**
 * A request's `observations` against the ruleset that will evaluate it
 * (DESIGN.md "POST /evaluate request"): a key the ruleset does not declare,
 * or a value of another type than declared, is refused. Otherwise a misspelt
 * fact ("smokr") or a value in the wrong form ("yes" for a boolean) would
 * silently produce "no recommendation". Throws AppError('VALIDATION') naming
 * every offending key and listing the declared observations with their types;
 * never echoes a value (patient data).
 */
export function checkObservations(ruleset: Pick<RulesetDefinition, 'version' | 'observations'>, observations: Readonly<Record<string, ObservationValue>>): void {
  const keys = Object.keys(observations);
  if (keys.length === 0) return;
  const declared = ruleset.observations ?? {};
  const problems: FieldProblem[] = [];
  const offending: string[] = [];
  // Built once the first key offends, then said in every message.
  let listed: string | undefined;
  const list = (): string => (listed ??= declaredList(declared));
  for (const key of keys) {
    const path = `/body${pointer('observations', key)}`;
    // Own properties only: "toString" is not declared just because every object has one.
    const declaration: ObservationDeclaration | undefined = Object.hasOwn(declared, key) ? declared[key] : undefined;
    const value = observations[key];
    if (declaration === undefined) {
      offending.push(key);
      problems.push({ path, message: `not declared by ruleset ${ruleset.version}${hint(key, declared)}; ${list()}` });
    } else if (typeof value !== declaration.type) {
      offending.push(key);
      problems.push({ path, message: `must be a ${declaration.type}, as ruleset ${ruleset.version} declares it, got a ${typeof value}; ${list()}` });
    }
  }
  if (problems.length === 0) return;
  const names = offending.map((key) => `"${key}"`).join(', ');
  const subject = offending.length === 1 ? `observation ${names} does` : `observations ${names} do`;
  throw new AppError('VALIDATION', `${subject} not match what ruleset ${ruleset.version} declares; ${list()}`, problems);
}

function hint(key: string, declared: Record<string, ObservationDeclaration>): string {
  const near = closest(key, Object.keys(declared));
  return near === undefined ? '' : ` (did you mean "${near}"?)`;
}

function declaredList(declared: Record<string, ObservationDeclaration>): string {
  const entries = Object.entries(declared);
  if (entries.length === 0) return 'it declares no observations';
  return `declared observations: ${entries.map(([name, d]) => `${name} (${d.type})`).join(', ')}`;
}
