import type { FactValues } from './compile-operators.js';
import { conditionPriority, holdsAt, kindAt, NODE_SIZE, valueSlotAt, type ConditionProgram } from './condition-program.js';
import { notRecorded, phraseParts, withValue, type PhraseParts } from './reasons.js';
import type { Condition, FactCondition } from './ruleset-format.js';

/**
 * The reasons of a rule that fired: what reasons.ts says of the tree
 * json-rules-engine leaves on a RuleResult, computed without building that
 * tree. The engine groups the children of all/any by priority, runs every
 * child of a group, and skips the remaining groups once the answer is known;
 * which children ran is what the reasons list, so this follows that walk
 * over the rule's program (condition-program.ts). It runs only for rules
 * that fired.
 */
export type ReasonsOf = (pc: number, values: FactValues) => string[];

/**
 * Reasons for the rules of one program. A condition's phrase around the
 * patient's value is built the first time the condition is listed and kept
 * (most of a reason's cost otherwise), for the conditions that ever fire.
 */
export function reasonWriter(program: ConditionProgram): ReasonsOf {
  // By node: a node is always read with the same negation (that of the nots above it).
  const cache: Array<PhraseParts | undefined> = [];
  const leafPhrase = (pc: number, values: FactValues, negated: boolean): string => {
    const leaf = program.sources[pc / NODE_SIZE] as FactCondition;
    const factResult = values[program.code[pc + 2] as number];
    if (factResult === undefined) return notRecorded(leaf);
    const valueSlot = valueSlotAt(program, pc);
    // Another fact on the right: its value is part of the phrase, so nothing is kept.
    if (valueSlot !== undefined) return withValue(phraseParts({ ...leaf, valueResult: values[valueSlot] }, negated), factResult);
    let parts = cache[pc / NODE_SIZE];
    if (parts === undefined) {
      parts = phraseParts(leaf, negated);
      cache[pc / NODE_SIZE] = parts;
    }
    return withValue(parts, factResult);
  };
  return (pc, values) => {
    const out: string[] = [];
    walk(program, pc, values, false, out, leafPhrase);
    return out;
  };
}

type LeafPhrase = (pc: number, values: FactValues, negated: boolean) => string;

/** A child is listed when it ran and its result is the wanted one (under `not`, the question flips). */
function walk(program: ConditionProgram, pc: number, values: FactValues, negated: boolean, out: string[], leafPhrase: LeafPhrase): void {
  const kind = kindAt(program, pc);
  if (kind === 'fact') {
    out.push(leafPhrase(pc, values, negated));
    return;
  }
  if (kind === 'not') {
    walk(program, pc + NODE_SIZE, values, !negated, out, leafPhrase);
    return;
  }
  const wanted = !negated;
  const end = program.code[pc + 1] as number;
  if (program.code[pc + 2] === 0) {
    // One priority group: the engine runs every child, so each child's own result decides.
    for (let child = pc + NODE_SIZE; child < end; child = program.code[child + 1] as number) {
      if (holdsAt(program, child, values) === wanted) walk(program, child, values, negated, out, leafPhrase);
    }
    return;
  }
  const children: number[] = [];
  for (let child = pc + NODE_SIZE; child < end; child = program.code[child + 1] as number) children.push(child);
  // Per child: true or false once it ran; undefined for a group the engine skipped.
  const results = new Array<boolean | undefined>(children.length);
  let result = kind === 'all';
  for (const group of byPriority(program, children)) {
    if (kind === 'all' ? !result : result) break;
    let all = true;
    let any = false;
    for (const i of group) {
      const held = holdsAt(program, children[i] as number, values);
      results[i] = held;
      all &&= held;
      any ||= held;
    }
    result = kind === 'all' ? all : any;
  }
  // Reasons follow the order the children are written in, as the engine's tree keeps them.
  for (let i = 0; i < children.length; i += 1) if (results[i] === wanted) walk(program, children[i] as number, values, negated, out, leafPhrase);
}

/** The engine's prioritizeConditions: indexes of the children, highest priority first. */
function byPriority(program: ConditionProgram, children: readonly number[]): number[][] {
  const sets = new Map<number, number[]>();
  children.forEach((pc, i) => {
    const priority = conditionPriority(program.sources[pc / NODE_SIZE] as Condition);
    const set = sets.get(priority) ?? [];
    sets.set(priority, set);
    set.push(i);
  });
  return [...sets.keys()].sort((a, b) => b - a).map((p) => sets.get(p) ?? []);
}
