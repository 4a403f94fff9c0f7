import { holds, type FactValues } from './compile-operators.js';
import type { SlotOf } from './compile-facts.js';
import { isBooleanCondition, type Condition, type ConditionValue } from './ruleset-format.js';

/**
 * The condition trees of one ruleset version as one flat program: every
 * node is four integers in one Int32Array, a rule's tree laid out in
 * prefix order, rules one after another. With thousands of rules the cost
 * of evaluating is reading memory; a tree of closures and objects spread
 * over the heap costs a cache miss per node, a few adjacent integers do not
 * (docs/adr/0003-compiled-rules.md has the figures).
 *
 * A node is `[op, end, a, b]`, `end` being where the node's last
 * descendant ends (so the next sibling starts there):
 * - all / any: children follow from pc + 4 up to `end`; `a` is 1 when the
 *   children have more than one condition priority (the engine then runs
 *   them in groups, which the reasons follow), else 0;
 * - not: its child starts at pc + 4;
 * - a fact condition: `a` is the fact's slot, and `b` the constant's index
 *   (or, for `{"fact": ...}` on the right, the other fact's slot).
 */
export interface ConditionProgram {
  readonly code: Int32Array;
  /** Right-hand sides by index: the JSON value, or a Set for a long `in` / `notIn` list. */
  readonly constants: readonly unknown[];
  /** Each node's source condition, at pc / NODE_SIZE: what reasons are phrased from. */
  readonly sources: readonly Condition[];
}

/** The ten operators the schema allows, in the order their opcodes are numbered. */
const OPERATORS = [
  'equal', 'notEqual', 'in', 'notIn', 'contains', 'doesNotContain',
  'lessThan', 'lessThanInclusive', 'greaterThan', 'greaterThanInclusive',
] as const;

const ALL = 0;
const ANY = 1;
const NOT = 2;
// Specialised for what nearly every rule compares against: a constant number, scalar or list.
const EQUAL = 3;
const NOT_EQUAL = 4;
const LESS = 5;
const LESS_OR_EQUAL = 6;
const GREATER = 7;
const GREATER_OR_EQUAL = 8;
const IN_SET = 9;
const NOT_IN_SET = 10;
/** Any other operator and constant: GENERIC + the operator's index, through `holds`. */
const GENERIC = 100;
/** The right-hand side is another fact: FACT_REF + the operator's index. */
const FACT_REF = 200;

const NUMERIC: Record<string, number> = { lessThan: LESS, lessThanInclusive: LESS_OR_EQUAL, greaterThan: GREATER, greaterThanInclusive: GREATER_OR_EQUAL };
/** Lists of this many members or more are looked up in a Set; indexOf and Set agree on every JSON scalar. */
const SET_FROM = 8;

export const NODE_SIZE = 4;

/** Appends condition trees to one program; `emit` returns where a tree starts. */
export class ConditionProgramBuilder {
  private readonly code: number[] = [];
  private readonly constants: unknown[] = [];
  private readonly sources: Condition[] = [];

  constructor(private readonly slotOf: SlotOf) {}

  emit(condition: Condition): number {
    const pc = this.code.length;
    this.code.push(0, 0, 0, 0);
    this.sources.push(condition);
    if ('all' in condition || 'any' in condition) {
      const children = 'all' in condition ? condition.all : (condition as { any: Condition[] }).any;
      this.code[pc] = 'all' in condition ? ALL : ANY;
      this.code[pc + 2] = new Set(children.map(conditionPriority)).size > 1 ? 1 : 0;
      for (const child of children) this.emit(child);
    } else if ('not' in condition) {
      this.code[pc] = NOT;
      this.emit(condition.not);
    } else {
      this.leaf(pc, condition.operator, this.slotOf(condition.fact), condition.value);
    }
    this.code[pc + 1] = this.code.length;
    return pc;
  }

  build(): ConditionProgram {
    return { code: Int32Array.from(this.code), constants: this.constants, sources: this.sources };
  }

  private leaf(pc: number, operator: string, slot: number, value: ConditionValue): void {
    const index = OPERATORS.indexOf(operator as (typeof OPERATORS)[number]);
    // The engine rejects a run with an unknown operator; validation never lets one through.
    if (index < 0) throw new Error(`Unknown operator: ${operator}`);
    this.code[pc + 2] = slot;
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      this.code[pc] = FACT_REF + index;
      this.code[pc + 3] = this.slotOf(value.fact);
      return;
    }
    this.code[pc] = opcodeFor(operator, value);
    this.code[pc + 3] = this.constants.length;
    const long = Array.isArray(value) && value.length >= SET_FROM && (operator === 'in' || operator === 'notIn');
    this.constants.push(long ? new Set<unknown>(value) : value);
  }
}

/**
 * The engine's priority of a condition inside all / any (its
 * prioritizeConditions): a boolean child without one counts as 1, and so
 * does a fact child (no fact here has an engine-level priority).
 */
export function conditionPriority(condition: Condition): number {
  const given = (condition as { priority?: unknown }).priority;
  return isBooleanCondition(condition) ? Number.parseInt(String(given), 10) || 1 : Number(given) || 1;
}

function opcodeFor(operator: string, value: ConditionValue): number {
  if (operator === 'equal') return EQUAL;
  if (operator === 'notEqual') return NOT_EQUAL;
  if (typeof value === 'number' && operator in NUMERIC) return NUMERIC[operator] as number;
  if (Array.isArray(value) && value.length >= SET_FROM) {
    if (operator === 'in') return IN_SET;
    if (operator === 'notIn') return NOT_IN_SET;
  }
  return GENERIC + OPERATORS.indexOf(operator as (typeof OPERATORS)[number]);
}

/**
 * Whether the node at `pc` holds for these facts, exactly as json-rules-engine
 * decides (compile-operators.ts `holds` is the reference for every operator).
 * all / any stop at the first deciding child: conditions are pure, so the
 * order they run in changes the cost, never the answer.
 */
export function holdsAt(program: ConditionProgram, pc: number, values: FactValues): boolean {
  const { code, constants } = program;
  const op = code[pc] as number;
  switch (op) {
    case ALL: {
      const end = code[pc + 1] as number;
      for (let child = pc + NODE_SIZE; child < end; child = code[child + 1] as number) if (!holdsAt(program, child, values)) return false;
      return true;
    }
    case ANY: {
      const end = code[pc + 1] as number;
      // The engine: an empty any holds.
      if (pc + NODE_SIZE === end) return true;
      for (let child = pc + NODE_SIZE; child < end; child = code[child + 1] as number) if (holdsAt(program, child, values)) return true;
      return false;
    }
    case NOT:
      return !holdsAt(program, pc + NODE_SIZE, values);
    default:
      return leafHolds(op, values[code[pc + 2] as number], code[pc + 3] as number, constants, values);
  }
}

/** A fact condition: `fact` is the patient's value, `k` the constant's index (or the other fact's slot). */
function leafHolds(op: number, fact: unknown, k: number, constants: readonly unknown[], values: FactValues): boolean {
  switch (op) {
    // A JSON constant is never undefined, so equal needs no presence check.
    case EQUAL:
      return fact === constants[k];
    case NOT_EQUAL:
      return fact !== undefined && fact !== constants[k];
    // A number compared with < needs no validator: NaN compares false anyway.
    case LESS:
      return typeof fact === 'number' ? fact < (constants[k] as number) : holds('lessThan', fact, constants[k]);
    case LESS_OR_EQUAL:
      return typeof fact === 'number' ? fact <= (constants[k] as number) : holds('lessThanInclusive', fact, constants[k]);
    case GREATER:
      return typeof fact === 'number' ? fact > (constants[k] as number) : holds('greaterThan', fact, constants[k]);
    case GREATER_OR_EQUAL:
      return typeof fact === 'number' ? fact >= (constants[k] as number) : holds('greaterThanInclusive', fact, constants[k]);
    case IN_SET:
      return fact !== undefined && (constants[k] as Set<unknown>).has(fact);
    case NOT_IN_SET:
      return fact !== undefined && !(constants[k] as Set<unknown>).has(fact);
    default:
      if (op >= FACT_REF) return holds(OPERATORS[op - FACT_REF] as string, fact, values[k]);
      return holds(OPERATORS[op - GENERIC] as string, fact, constants[k]);
  }
}

export type NodeKind = 'all' | 'any' | 'not' | 'fact';

export function kindAt(program: ConditionProgram, pc: number): NodeKind {
  const op = program.code[pc] as number;
  return op === ALL ? 'all' : op === ANY ? 'any' : op === NOT ? 'not' : 'fact';
}

/** The other fact's slot when the right-hand side of the fact condition at `pc` is one. */
export function valueSlotAt(program: ConditionProgram, pc: number): number | undefined {
  return (program.code[pc] as number) >= FACT_REF ? (program.code[pc + 3] as number) : undefined;
}
