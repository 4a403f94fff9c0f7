import { constantTest, holds, type FactValues, type Test } from './compile-operators.js';
import type { EvaluatedCondition } from './reasons.js';
import type { Condition, ConditionValue } from './ruleset-format.js';

/**
 * One condition tree compiled twice over:
 *
 * - `test`: whether it holds, as nested closures that stop at the first
 *   deciding child. Conditions are pure, so the order they run in cannot
 *   change the answer, only the cost.
 * - `explain`: the tree json-rules-engine would leave on a RuleResult, with
 *   `result`, `factResult` and `valueResult` exactly where the engine sets
 *   them. The engine groups the children of all/any by priority, runs every
 *   child of a group, and skips the remaining groups once the answer is
 *   known; which children ran is what the reasons list, so explain follows
 *   that walk. It runs only for rules that fired.
 */
export interface CompiledCondition {
  test: Test;
  explain(values: FactValues): EvaluatedCondition;
}

/** Fact name to slot in the values array; unknown names get slots that stay undefined. */
export type SlotOf = (fact: string) => number;

type Node =
  | { kind: 'all' | 'any'; source: Condition; children: Node[]; groups: Node[][] }
  | { kind: 'not'; source: Condition; child: Node }
  | { kind: 'fact'; source: Condition; slot: number; operator: string; value: ConditionValue; valueSlot?: number };

export function compileCondition(condition: Condition, slotOf: SlotOf): CompiledCondition {
  const root = build(condition, slotOf);
  return { test: testOf(root), explain: (values) => explain(root, values) };
}

function build(condition: Condition, slotOf: SlotOf): Node {
  if ('all' in condition || 'any' in condition) {
    const kind = 'all' in condition ? 'all' : 'any';
    const list = 'all' in condition ? condition.all : (condition as { any: Condition[] }).any;
    const children = list.map((c) => build(c, slotOf));
    return { kind, source: condition, children, groups: byPriority(children) };
  }
  if ('not' in condition) return { kind: 'not', source: condition, child: build(condition.not, slotOf) };
  const { value } = condition;
  const ref = isFactRef(value) ? { valueSlot: slotOf(value.fact) } : {};
  return { kind: 'fact', source: condition, slot: slotOf(condition.fact), operator: condition.operator, value, ...ref };
}

function isFactRef(value: ConditionValue): value is { fact: string } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The engine's prioritizeConditions: highest priority first. A boolean child
 * without one counts as 1, and so does a fact child (no fact here has an
 * engine-level priority).
 */
function byPriority(children: Node[]): Node[][] {
  const sets = new Map<number, Node[]>();
  for (const child of children) {
    const given = (child.source as { priority?: unknown }).priority;
    const priority = child.kind === 'fact' ? Number(given) || 1 : Number.parseInt(String(given), 10) || 1;
    sets.set(priority, [...(sets.get(priority) ?? []), child]);
  }
  return [...sets.keys()].sort((a, b) => b - a).map((p) => sets.get(p) ?? []);
}

function testOf(node: Node): Test {
  if (node.kind === 'fact') {
    const { slot, operator, value, valueSlot } = node;
    if (valueSlot !== undefined) return (v) => holds(operator, v[slot], v[valueSlot]);
    return constantTest(operator, slot, value);
  }
  if (node.kind === 'not') {
    const child = testOf(node.child);
    return (v) => !child(v);
  }
  const tests = node.children.map(testOf);
  // The engine: an empty all or any holds.
  if (tests.length === 0) return () => true;
  const [a, b] = tests as [Test, Test];
  if (node.kind === 'all') {
    if (tests.length === 1) return a;
    if (tests.length === 2) return (v) => a(v) && b(v);
    return (v) => tests.every((t) => t(v));
  }
  if (tests.length === 1) return a;
  if (tests.length === 2) return (v) => a(v) || b(v);
  return (v) => tests.some((t) => t(v));
}

function explain(node: Node, values: FactValues): EvaluatedCondition {
  const { source } = node;
  if (node.kind === 'fact') {
    const factResult = values[node.slot];
    const valueResult = node.valueSlot === undefined ? node.value : values[node.valueSlot];
    return { ...source, factResult, valueResult, result: holds(node.operator, factResult, valueResult) } as EvaluatedCondition;
  }
  if (node.kind === 'not') {
    const child = explain(node.child, values);
    return { ...source, not: child, result: child.result !== true } as EvaluatedCondition;
  }
  const evaluated = new Map<Node, EvaluatedCondition>();
  let result: boolean;
  if (node.children.length <= 1) {
    // A single child is evaluated directly, without grouping (an empty list holds).
    const [only] = node.children;
    result = only === undefined ? true : run(only, values, evaluated);
  } else {
    result = node.kind === 'all';
    for (const group of node.groups) {
      if (node.kind === 'all' ? !result : result) break;
      const outcomes = group.map((child) => run(child, values, evaluated));
      result = node.kind === 'all' ? outcomes.every(Boolean) : outcomes.some(Boolean);
    }
  }
  // Children that never ran keep their source form, without a result, as in the engine.
  const children = node.children.map((child) => evaluated.get(child) ?? (child.source as EvaluatedCondition));
  return { ...source, [node.kind]: children, result } as EvaluatedCondition;
}

function run(child: Node, values: FactValues, evaluated: Map<Node, EvaluatedCondition>): boolean {
  const done = explain(child, values);
  evaluated.set(child, done);
  return done.result === true;
}
