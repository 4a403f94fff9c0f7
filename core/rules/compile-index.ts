import type { FactValues } from './compile-operators.js';
import type { SlotOf } from './compile-condition.js';
import { isBooleanCondition, type Condition, type RuleDefinition } from './ruleset-format.js';

/**
 * An index of rules by a fact each one tests: its guard, one condition the
 * rule cannot fire without (a leaf of the root's `all`, or of an `all`
 * nested in it). For a patient, only rules whose guard holds, plus rules
 * without a guard, are candidates; each candidate still runs its whole
 * condition, so the index only ever skips rules that cannot fire. With
 * thousands of rules this spares most of them: and a rule not touched is
 * memory not read, which is what large rulesets spend their time on.
 */
export interface RuleIndex {
  /** Marks `marks[i] = 1` for every candidate rule i (indexes into the rules as given). */
  mark(values: FactValues, marks: Uint8Array): void;
}

type Guard =
  | { kind: 'point'; slot: number; members: unknown[] }
  | { kind: 'range'; slot: number; operator: RangeOperator; bound: number };

type RangeOperator = 'greaterThan' | 'greaterThanInclusive' | 'lessThan' | 'lessThanInclusive';
const RANGE = new Set<string>(['greaterThan', 'greaterThanInclusive', 'lessThan', 'lessThanInclusive']);

/** Rules with one range guard on one fact and operator, sorted by bound, for a binary search. */
interface RangeBucket {
  slot: number;
  operator: RangeOperator;
  bounds: number[];
  rules: number[];
}

export function indexRules(rules: readonly RuleDefinition[], slotOf: SlotOf): RuleIndex {
  const unguarded: number[] = [];
  const points = new Map<number, Map<unknown, number[]>>();
  const ranges = new Map<string, { slot: number; operator: RangeOperator; entries: Array<[number, number]> }>();
  rules.forEach((rule, i) => {
    const guard = guardOf(rule.conditions, slotOf);
    if (guard === undefined) unguarded.push(i);
    else if (guard.kind === 'point') {
      const bySlot = points.get(guard.slot) ?? new Map<unknown, number[]>();
      points.set(guard.slot, bySlot);
      for (const member of guard.members) bySlot.set(member, [...(bySlot.get(member) ?? []), i]);
    } else {
      const key = `${guard.slot} ${guard.operator}`;
      const bucket = ranges.get(key) ?? { slot: guard.slot, operator: guard.operator, entries: [] };
      ranges.set(key, bucket);
      bucket.entries.push([guard.bound, i]);
    }
  });
  const pointSlots = [...points.entries()];
  const rangeBuckets: RangeBucket[] = [...ranges.values()].map(({ slot, operator, entries }) => {
    entries.sort((a, b) => a[0] - b[0]);
    return { slot, operator, bounds: entries.map((e) => e[0]), rules: entries.map((e) => e[1]) };
  });

  return {
    mark(values, marks) {
      for (const i of unguarded) marks[i] = 1;
      for (const [slot, byValue] of pointSlots) {
        const fact = values[slot];
        if (fact === undefined) continue;
        const hits = byValue.get(fact);
        if (hits !== undefined) for (const i of hits) marks[i] = 1;
      }
      for (const bucket of rangeBuckets) markRange(bucket, values[bucket.slot], marks);
    },
  };
}

function markRange(bucket: RangeBucket, fact: unknown, marks: Uint8Array): void {
  if (fact === undefined) return;
  const { bounds, rules, operator } = bucket;
  if (typeof fact !== 'number') {
    // The engine coerces a numeric string; leave that to the full condition.
    for (const i of rules) marks[i] = 1;
    return;
  }
  // greaterThan: bound < fact holds for a prefix of the sorted bounds; lessThan: a suffix.
  const upward = operator === 'greaterThan' || operator === 'greaterThanInclusive';
  const inclusive = operator === 'greaterThanInclusive' || operator === 'lessThanInclusive';
  let lo = 0;
  let hi = bounds.length;
  // First position whose bound is past the fact (strictly for "> bound", from "= bound" on otherwise).
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const bound = bounds[mid] as number;
    const beforeFact = upward ? (inclusive ? bound <= fact : bound < fact) : inclusive ? bound < fact : bound <= fact;
    if (beforeFact) lo = mid + 1;
    else hi = mid;
  }
  if (upward) for (let k = 0; k < lo; k += 1) marks[rules[k] as number] = 1;
  else for (let k = lo; k < bounds.length; k += 1) marks[rules[k] as number] = 1;
}

/** Point guards (equal, in) narrow more than ranges, so they are preferred. */
function guardOf(root: Condition, slotOf: SlotOf): Guard | undefined {
  const leaves = necessaryLeaves(root);
  let range: Guard | undefined;
  for (const leaf of leaves) {
    const { value, operator } = leaf;
    if (operator === 'equal' && isScalar(value)) return { kind: 'point', slot: slotOf(leaf.fact), members: [value] };
    if (operator === 'in' && Array.isArray(value)) return { kind: 'point', slot: slotOf(leaf.fact), members: value };
    if (range === undefined && RANGE.has(operator) && typeof value === 'number' && !Number.isNaN(value)) {
      range = { kind: 'range', slot: slotOf(leaf.fact), operator: operator as RangeOperator, bound: value };
    }
  }
  return range;
}

type Leaf = Extract<Condition, { fact: string }>;

/** Leaves that must hold for the rule to fire: those of the root `all` and of `all`s nested in it. */
function necessaryLeaves(node: Condition): Leaf[] {
  if (!isBooleanCondition(node)) return [node];
  if (!('all' in node)) return [];
  return node.all.flatMap((child) => (isBooleanCondition(child) ? necessaryLeaves(child) : [child]));
}

function isScalar(value: unknown): boolean {
  return typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean';
}
