import { yieldToEventLoop } from './in-slices.js';
import { VALUES_PER_SLICE, type Pause } from './in-slices.js';
import { pointer, type ProblemList } from './problem.js';

/** Deepest condition tree accepted: levels of conditions from a rule's `conditions` to a fact condition, both counted. */
export const MAX_CONDITION_DEPTH = 32;
/**
 * Deepest JSON nesting accepted anywhere in a file. A valid file stays far
 * below it (32 condition levels are about 70 JSON levels); it guards the
 * recursive code after this check (the JSON Schema validator, the canonical
 * form, the engine) from a file nested thousands of levels deep.
 */
export const MAX_JSON_DEPTH = 100;

interface Frame {
  value: unknown;
  /** JSON nesting: the document is 1. */
  depth: number;
  /** Condition level when this value is a condition, else 0. */
  conditionDepth: number;
  parent?: Frame;
  key?: string | number;
}

/**
 * Checks nesting before anything recursive touches the document. Iterative
 * (an explicit stack), so it cannot overflow however deep the file goes, and
 * it pauses every VALUES_PER_SLICE values, so a large file does not hold the
 * event loop (nothing else touches the document meanwhile).
 * Resolves to true when the file is shallow enough to check further.
 */
export async function checkDepth(document: unknown, problems: ProblemList, pause: Pause = yieldToEventLoop): Promise<boolean> {
  const stack: Frame[] = [{ value: document, depth: 1, conditionDepth: 0 }];
  let ok = true;
  let visited = 0;
  while (stack.length > 0) {
    const frame = stack.pop() as Frame;
    const { value, depth, conditionDepth } = frame;
    if (value === null || typeof value !== 'object') continue;
    if (conditionDepth > MAX_CONDITION_DEPTH) {
      problems.add(pointerOf(frame), `condition tree is deeper than ${MAX_CONDITION_DEPTH} levels (all / any / not); at most ${MAX_CONDITION_DEPTH} are allowed`);
      ok = false;
      continue;
    }
    if (depth > MAX_JSON_DEPTH) {
      problems.add(pointerOf(frame), `nested deeper than ${MAX_JSON_DEPTH} levels; a ruleset file never needs that`);
      ok = false;
      continue;
    }
    const keys: Array<string | number> = Array.isArray(value) ? Array.from(value.keys()) : Object.keys(value);
    // Pushed last to first, so the stack visits (and reports) in document order.
    for (let i = keys.length - 1; i >= 0; i--) {
      const key = keys[i] as string | number;
      stack.push({ value: (value as Record<string | number, unknown>)[key], depth: depth + 1, conditionDepth: childConditionDepth(frame, key), parent: frame, key });
    }
    visited += keys.length;
    if (visited >= VALUES_PER_SLICE) {
      visited = 0;
      await pause();
    }
  }
  return ok;
}

/** A rule's `conditions` is level 1; items of its all/any and its not are one level down. */
function childConditionDepth(frame: Frame, key: string | number): number {
  if (frame.conditionDepth > 0) {
    if (key === 'not') return frame.conditionDepth + 1;
    // The all/any array itself carries the level of the items it holds.
    if (key === 'all' || key === 'any') return -(frame.conditionDepth + 1);
    return 0;
  }
  if (frame.conditionDepth < 0) return typeof key === 'number' ? -frame.conditionDepth : 0;
  const rule = frame.parent;
  const isRule = key === 'conditions' && typeof frame.key === 'number' && rule?.key === 'rules' && rule.parent !== undefined && rule.parent.parent === undefined;
  return isRule ? 1 : 0;
}

function pointerOf(frame: Frame): string {
  const keys: Array<string | number> = [];
  for (let f: Frame | undefined = frame; f?.key !== undefined; f = f.parent) keys.push(f.key);
  return pointer(...keys.reverse());
}
