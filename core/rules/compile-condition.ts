import { constantTest, holds, type FactValues, type Test } from './compile-operators.js';
import { phrase } from './reasons.js';
import type { Condition, ConditionValue } from './ruleset-format.js';

/**
 * One condition tree compiled twice over:
 *
 * - `test`: whether it holds, as nested closures that stop at the first
 *   deciding child. Conditions are pure, so the order they run in cannot
 *   change the answer, only the cost.
 * - `reasons`: what reasons.ts says of the tree json-rules-engine leaves on
 *   a RuleResult. The engine groups the children of all/any by priority,
 *   runs every child of a group, and skips the remaining groups once the
 *   answer is known; which children ran is what the reasons list, so this
 *   follows that walk. It runs only for rules that fired.
 */
export interface CompiledCondition {
  test: Test;
  /** The reasons of a condition that held: only meaningful when `test` said so. */
  reasons(values: FactValues): string[];
}

/** Fact name to slot in the values array; unknown names get slots that stay undefined. */
export type SlotOf = (fact: string) => number;

type Node = { source: Condition; test: Test } & (
  | { kind: 'all' | 'any'; children: Node[]; groups: number[][] }
  | { kind: 'not'; child: Node }
  | { kind: 'fact'; fact: string; slot: number; operator: string; value: ConditionValue; valueSlot?: number }
);

export function compileCondition(condition: Condition, slotOf: SlotOf): CompiledCondition {
  const root = build(condition, slotOf);
  return {
    test: root.test,
    reasons(values) {
      const out: string[] = [];
      reasonsOf(root, values, false, out);
      return out;
    },
  };
}

function build(condition: Condition, slotOf: SlotOf): Node {
  if ('all' in condition || 'any' in condition) {
    const kind = 'all' in condition ? 'all' : 'any';
    const list = 'all' in condition ? condition.all : (condition as { any: Condition[] }).any;
    const children = list.map((c) => build(c, slotOf));
    return { kind, source: condition, children, groups: byPriority(children), test: combined(kind, children.map((c) => c.test)) };
  }
  if ('not' in condition) {
    const child = build(condition.not, slotOf);
    const test: Test = (v) => !child.test(v);
    return { kind: 'not', source: condition, child, test };
  }
  const { value, operator } = condition;
  const slot = slotOf(condition.fact);
  if (isFactRef(value)) {
    const valueSlot = slotOf(value.fact);
    return { kind: 'fact', source: condition, fact: condition.fact, slot, operator, value, valueSlot, test: (v) => holds(operator, v[slot], v[valueSlot]) };
  }
  return { kind: 'fact', source: condition, fact: condition.fact, slot, operator, value, test: constantTest(operator, slot, value) };
}

function isFactRef(value: ConditionValue): value is { fact: string } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The engine's prioritizeConditions: highest priority first. A boolean child
 * without one counts as 1, and so does a fact child (no fact here has an
 * engine-level priority).
 */
function byPriority(children: Node[]): number[][] {
  const sets = new Map<number, number[]>();
  for (const [i, child] of children.entries()) {
    const given = (child.source as { priority?: unknown }).priority;
    const priority = child.kind === 'fact' ? Number(given) || 1 : Number.parseInt(String(given), 10) || 1;
    const set = sets.get(priority) ?? [];
    sets.set(priority, set);
    set.push(i);
  }
  return [...sets.keys()].sort((a, b) => b - a).map((p) => sets.get(p) ?? []);
}

/** Stops at the first deciding child: conditions are pure, so only the cost depends on order. */
function combined(kind: 'all' | 'any', tests: Test[]): Test {
  // The engine: an empty all or any holds.
  if (tests.length === 0) return () => true;
  const [a, b] = tests as [Test, Test];
  if (kind === 'all') {
    if (tests.length === 1) return a;
    if (tests.length === 2) return (v) => a(v) && b(v);
    return (v) => tests.every((t) => t(v));
  }
  if (tests.length === 1) return a;
  if (tests.length === 2) return (v) => a(v) || b(v);
  return (v) => tests.some((t) => t(v));
}

/**
 * What reasonsFor (reasons.ts) says of the tree the engine leaves behind,
 * computed without building that tree: a child is listed when it ran and
 * its result is the wanted one (under `not`, the question flips).
 */
function reasonsOf(node: Node, values: FactValues, negated: boolean, out: string[]): void {
  if (node.kind === 'fact') {
    const factResult = values[node.slot];
    const valueResult = node.valueSlot === undefined ? node.value : values[node.valueSlot];
    out.push(phrase({ fact: node.fact, operator: node.operator, value: node.value, factResult, valueResult }, negated));
    return;
  }
  if (node.kind === 'not') {
    reasonsOf(node.child, values, !negated, out);
    return;
  }
  const wanted = !negated;
  if (node.children.length === 1) {
    const only = node.children[0] as Node;
    if (only.test(values) === wanted) reasonsOf(only, values, negated, out);
    return;
  }
  const { children } = node;
  // Per child: true or false once it ran; undefined for a group the engine skipped.
  const results = new Array<boolean | undefined>(children.length);
  let result = node.kind === 'all';
  for (const group of node.groups) {
    if (node.kind === 'all' ? !result : result) break;
    let all = true;
    let any = false;
    for (const i of group) {
      const held = (children[i] as Node).test(values);
      results[i] = held;
      all &&= held;
      any ||= held;
    }
    result = node.kind === 'all' ? all : any;
  }
  // Reasons follow the order the children are written in, as the engine's tree keeps them.
  for (let i = 0; i < children.length; i += 1) if (results[i] === wanted) reasonsOf(children[i] as Node, values, negated, out);
}
