/**
 * json-rules-engine's default operators as plain functions, with this
 * service's one change (engine-pool.ts): a fact the patient did not give
 * never satisfies a condition. `holds` is the reference for every shape of
 * right-hand side; `constantTest` is the same operator specialised for a
 * constant, which is what nearly every rule compares against.
 * test/rules-differential.test.ts proves both agree with the engine.
 */

/** Fact values of one evaluation, by slot (compile-facts.ts). */
export type FactValues = readonly unknown[];

export type Test = (values: FactValues) => boolean;

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

/** Lists longer than this are looked up in a Set; indexOf and Set agree on every JSON scalar. */
const SET_FROM = 8;

/**
 * `holds(operator, values[slot], constant)` as one small closure. A number
 * compared with `<` needs no validator (NaN compares false anyway), and
 * `equal` needs no presence check (a JSON constant is never undefined).
 */
export function constantTest(operator: string, slot: number, constant: unknown): Test {
  switch (operator) {
    case 'equal':
      return (v) => v[slot] === constant;
    case 'notEqual':
      return (v) => {
        const f = v[slot];
        return f !== undefined && f !== constant;
      };
    case 'in':
    case 'notIn': {
      if (!Array.isArray(constant) || constant.length < SET_FROM) break;
      const members = new Set<unknown>(constant);
      const wanted = operator === 'in';
      return (v) => {
        const f = v[slot];
        return f !== undefined && members.has(f) === wanted;
      };
    }
    case 'lessThan': {
      const k = constant as Loose;
      return (v) => {
        const f = v[slot];
        return typeof f === 'number' ? f < k : holds(operator, f, k);
      };
    }
    case 'lessThanInclusive': {
      const k = constant as Loose;
      return (v) => {
        const f = v[slot];
        return typeof f === 'number' ? f <= k : holds(operator, f, k);
      };
    }
    case 'greaterThan': {
      const k = constant as Loose;
      return (v) => {
        const f = v[slot];
        return typeof f === 'number' ? f > k : holds(operator, f, k);
      };
    }
    case 'greaterThanInclusive': {
      const k = constant as Loose;
      return (v) => {
        const f = v[slot];
        return typeof f === 'number' ? f >= k : holds(operator, f, k);
      };
    }
    default:
      break;
  }
  return (v) => holds(operator, v[slot], constant);
}
