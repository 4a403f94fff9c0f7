/**
 * json-rules-engine's default operators as plain functions, with this
 * service's one change (engine-pool.ts): a fact the patient did not give
 * never satisfies a condition. `holds` is the reference for every shape of
 * right-hand side; condition-program.ts specialises the common ones.
 * test/rules-differential.test.ts proves both agree with the engine.
 */

/** Fact values of one evaluation, by slot (compile-facts.ts). */
export type FactValues = readonly unknown[];

/** The engine's numberValidator, verbatim in effect: numbers pass unless NaN, anything else as parseFloat says. */
function numeric(fact: unknown): boolean {
  if (typeof fact === 'number') return fact === fact;
  return Number.parseFloat(fact as string).toString() !== 'NaN';
}

// The engine compares with JavaScript's own coercion; the casts say "as the engine does".
type Loose = number;

/** Whether `fact <operator> value` holds, exactly as the engine decides it. */
export function holds(operator: string, fact: unknown, value: unknown): boolean {
  if (fact === undefined) return false;
  switch (operator) {
    case 'equal':
      return fact === value;
    case 'notEqual':
      return fact !== value;
    case 'in':
      return (value as unknown[]).indexOf(fact) > -1;
    case 'notIn':
      return (value as unknown[]).indexOf(fact) === -1;
    case 'contains':
      return Array.isArray(fact) && fact.indexOf(value) > -1;
    case 'doesNotContain':
      return Array.isArray(fact) && fact.indexOf(value) === -1;
    case 'lessThan':
      return numeric(fact) && (fact as Loose) < (value as Loose);
    case 'lessThanInclusive':
      return numeric(fact) && (fact as Loose) <= (value as Loose);
    case 'greaterThan':
      return numeric(fact) && (fact as Loose) > (value as Loose);
    case 'greaterThanInclusive':
      return numeric(fact) && (fact as Loose) >= (value as Loose);
    default:
      // The engine rejects the whole run; validation never lets such a file through.
      throw new Error(`Unknown operator: ${operator}`);
  }
}
