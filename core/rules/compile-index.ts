import type { FactValues } from './compile-operators.js';
import type { SlotOf } from './compile-facts.js';
import { isBooleanCondition, type Condition } from './ruleset-format.js';

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

export type Guard =
  | { kind: 'point'; slot: number; members: unknown[] }
  | { kind: 'range'; slot: number; operator: RangeOperator; bound: number }
  | { kind: 'band'; slot: number; low: Bound; high: Bound; flag?: { slot: number; value: boolean } };

/** One side of a band: `fact > value` (or >=) below, `fact < value` (or <=) above. */
interface Bound {
  value: number;
  inclusive: boolean;
}

/**
 * Rules banded on one fact (both a lower and an upper bound), as flat arrays
 * a tight loop reads, sorted by lower bound: a band holding the fact starts
 * at most the widest band's width below it, so only that stretch is read.
 */
interface BandBucket {
  slot: number;
  /** The widest band's high - low. */
  maxWidth: number;
  low: Float64Array;
  high: Float64Array;
  /** Bit 1: low inclusive; bit 2: high inclusive. */
  inclusive: Uint8Array;
  /** A boolean the rule also needs (slot, or -1 for none) and its value: checked here, before the rule is touched. */
  flagSlot: Int32Array;
  flagValue: Uint8Array;
  rules: Int32Array;
}

type RangeOperator = 'greaterThan' | 'greaterThanInclusive' | 'lessThan' | 'lessThanInclusive';
const RANGE = new Set<string>(['greaterThan', 'greaterThanInclusive', 'lessThan', 'lessThanInclusive']);

/** Rules with one range guard on one fact and operator, sorted by bound, for a binary search. */
interface RangeBucket {
  slot: number;
  operator: RangeOperator;
  bounds: number[];
  rules: number[];
}

type BandGuard = Extract<Guard, { kind: 'band' }>;

/**
 * Builds the index one rule at a time, in the order the rules are
 * evaluated, so a compile in slices adds each slice's guards as it goes;
 * `build` then only sorts and packs (a few milliseconds for 10,000 rules).
 */
export class RuleIndexBuilder {
  private count = 0;
  private readonly unguarded: number[] = [];
  private readonly points = new Map<number, Map<unknown, number[]>>();
  private readonly ranges = new Map<string, { slot: number; operator: RangeOperator; entries: Array<[number, number]> }>();
  private readonly bands = new Map<number, Array<{ guard: BandGuard; rule: number }>>();

  /** The next rule's guard (undefined: none). */
  add(guard: Guard | undefined): void {
    const i = this.count;
    this.count += 1;
    if (guard === undefined) this.unguarded.push(i);
    else if (guard.kind === 'band') {
      const list = this.bands.get(guard.slot) ?? [];
      this.bands.set(guard.slot, list);
      list.push({ guard, rule: i });
    } else if (guard.kind === 'point') {
      const bySlot = this.points.get(guard.slot) ?? new Map<unknown, number[]>();
      this.points.set(guard.slot, bySlot);
      for (const member of guard.members) {
        const list = bySlot.get(member) ?? [];
        bySlot.set(member, list);
        list.push(i);
      }
    } else {
      const key = `${guard.slot} ${guard.operator}`;
      const bucket = this.ranges.get(key) ?? { slot: guard.slot, operator: guard.operator, entries: [] };
      this.ranges.set(key, bucket);
      bucket.entries.push([guard.bound, i]);
    }
  }

  build(): RuleIndex {
    const { unguarded } = this;
    const pointSlots = [...this.points.entries()];
    const rangeBuckets: RangeBucket[] = [...this.ranges.values()].map(({ slot, operator, entries }) => {
      entries.sort((a, b) => a[0] - b[0]);
      return { slot, operator, bounds: entries.map((e) => e[0]), rules: entries.map((e) => e[1]) };
    });
    const bandBuckets = [...this.bands.entries()].map(([slot, entries]) => bandBucket(slot, entries));
    return {
      mark(values, marks) {
        for (const bucket of bandBuckets) markBand(bucket, values, marks);
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
}

function bandBucket(slot: number, entries: Array<{ guard: BandGuard; rule: number }>): BandBucket {
  entries.sort((a, b) => a.guard.low.value - b.guard.low.value);
  const bucket: BandBucket = {
    slot,
    maxWidth: 0,
    low: new Float64Array(entries.length),
    high: new Float64Array(entries.length),
    inclusive: new Uint8Array(entries.length),
    flagSlot: new Int32Array(entries.length),
    flagValue: new Uint8Array(entries.length),
    rules: new Int32Array(entries.length),
  };
  entries.forEach(({ guard: { low, high, flag }, rule }, k) => {
    bucket.maxWidth = Math.max(bucket.maxWidth, high.value - low.value);
    bucket.low[k] = low.value;
    bucket.high[k] = high.value;
    bucket.inclusive[k] = (low.inclusive ? 1 : 0) | (high.inclusive ? 2 : 0);
    bucket.flagSlot[k] = flag?.slot ?? -1;
    bucket.flagValue[k] = flag?.value === true ? 1 : 0;
    bucket.rules[k] = rule;
  });
  return bucket;
}

function markBand(bucket: BandBucket, values: FactValues, marks: Uint8Array): void {
  const fact = values[bucket.slot];
  if (fact === undefined) return;
  const { low, high, inclusive, flagSlot, flagValue, rules } = bucket;
  // The engine coerces a numeric string; leave that to the full condition.
  const all = typeof fact !== 'number';
  const f = fact as number;
  let k = all ? 0 : firstAtLeast(low, f - bucket.maxWidth);
  for (; k < rules.length; k += 1) {
    const lo = low[k] as number;
    if (!all && lo > f) break;
    const flags = inclusive[k] as number;
    const hi = high[k] as number;
    if (!all && !((flags & 1 ? f >= lo : f > lo) && (flags & 2 ? f <= hi : f < hi))) continue;
    const needs = flagSlot[k] as number;
    // `flag equal true/false` holds only for exactly that boolean.
    if (needs >= 0 && values[needs] !== (flagValue[k] === 1)) continue;
    marks[rules[k] as number] = 1;
  }
}

/** The first position in ascending `sorted` whose value is at least `value` (0 for NaN: then no band holds it anyway). */
function firstAtLeast(sorted: Float64Array, value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as number) < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
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

/**
 * The guard that likely narrows most, with no statistics to go by: a value
 * from a list or a non-boolean constant first, then a band (both bounds on
 * one fact), then a boolean flag (about half of patients), then one bound.
 */
export function guardOf(root: Condition, slotOf: SlotOf): Guard | undefined {
  let flag: Guard | undefined;
  let flagOf: { slot: number; value: boolean } | undefined;
  let range: Guard | undefined;
  const lows = new Map<number, Bound>();
  const highs = new Map<number, Bound>();
  for (const leaf of necessaryLeaves(root)) {
    const { value, operator } = leaf;
    if (operator === 'in' && Array.isArray(value)) return { kind: 'point', slot: slotOf(leaf.fact), members: value };
    if (operator === 'equal' && isScalar(value)) {
      if (typeof value !== 'boolean') return { kind: 'point', slot: slotOf(leaf.fact), members: [value] };
      flag ??= { kind: 'point', slot: slotOf(leaf.fact), members: [value] };
      flagOf ??= { slot: slotOf(leaf.fact), value };
      continue;
    }
    if (!RANGE.has(operator) || typeof value !== 'number' || Number.isNaN(value)) continue;
    const slot = slotOf(leaf.fact);
    range ??= { kind: 'range', slot, operator: operator as RangeOperator, bound: value };
    const sides = operator.startsWith('greaterThan') ? lows : highs;
    if (!sides.has(slot)) sides.set(slot, { value, inclusive: operator.endsWith('Inclusive') });
  }
  for (const [slot, low] of lows) {
    const high = highs.get(slot);
    if (high !== undefined) return { kind: 'band', slot, low, high, ...(flagOf !== undefined ? { flag: flagOf } : {}) };
  }
  return flag ?? range;
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
