import { kindOf, pointer, type ProblemList } from './problem.js';
import { isBooleanCondition, REQUEST_FACTS, type Condition, type FactCondition, type FactType } from './ruleset-format.js';
import { closest, didYouMean } from './suggest.js';

const REQUEST_FACT_NAMES: ReadonlySet<string> = new Set(Object.keys(REQUEST_FACTS));

/** json-rules-engine's default operators, which are the only ones a ruleset may use. */
export const OPERATORS = [
  'equal', 'notEqual', 'lessThan', 'lessThanInclusive', 'greaterThan', 'greaterThanInclusive',
  'in', 'notIn', 'contains', 'doesNotContain',
] as const;
export type OperatorName = (typeof OPERATORS)[number];

const NUMERIC = new Set<string>(['lessThan', 'lessThanInclusive', 'greaterThan', 'greaterThanInclusive']);
const LIST_VALUE = new Set<string>(['in', 'notIn']);
const LIST_FACT = new Set<string>(['contains', 'doesNotContain']);

export function isOperator(name: string): name is OperatorName {
  return (OPERATORS as readonly string[]).includes(name);
}

/**
 * Walks a rule's condition tree and reports facts, operators and values the
 * engine would not understand, or would silently compare to nothing.
 */
export function checkConditions(condition: Condition, at: string, facts: Map<string, FactType>, problems: ProblemList): void {
  if (isBooleanCondition(condition)) {
    if ('all' in condition) condition.all.forEach((c, i) => checkConditions(c, `${at}${pointer('all', i)}`, facts, problems));
    else if ('any' in condition) condition.any.forEach((c, i) => checkConditions(c, `${at}${pointer('any', i)}`, facts, problems));
    else checkConditions(condition.not, `${at}/not`, facts, problems);
    return;
  }
  checkFactCondition(condition, at, facts, problems);
}

function checkFactCondition(condition: FactCondition, at: string, facts: Map<string, FactType>, problems: ProblemList): void {
  const factType = facts.get(condition.fact);
  if (factType === undefined) problems.add(`${at}/fact`, unknownFact(condition.fact, facts));
  if (!isOperator(condition.operator)) {
    problems.add(`${at}/operator`, `unknown operator${didYouMean(condition.operator, OPERATORS) || ` (known: ${OPERATORS.join(', ')})`}`);
  }
  // Every fact here is a plain value: a path or params would be silently ignored by the engine.
  if (condition.path !== undefined) problems.add(`${at}/path`, '"path" cannot apply: every fact is a plain value, not an object');
  if (condition.params !== undefined) problems.add(`${at}/params`, '"params" cannot apply: every fact is a plain value, not computed');
  if (factType === undefined || !isOperator(condition.operator)) return;

  const { operator, value } = condition;
  const valueAt = `${at}/value`;
  if (LIST_FACT.has(operator)) {
    problems.add(`${at}/operator`, `operator "${operator}" needs a list fact, but this fact is a ${factType}`);
  } else if (NUMERIC.has(operator) && factType !== 'number') {
    problems.add(`${at}/operator`, `operator "${operator}" compares numbers, but this fact is a ${factType}`);
  } else if (LIST_VALUE.has(operator)) {
    if (!Array.isArray(value)) problems.add(valueAt, `operator "${operator}" needs a list of ${factType}s, got ${kindOf(value)}`);
    else if (value.length === 0) problems.add(valueAt, `operator "${operator}" needs a non-empty list`);
    else value.forEach((item, i) => checkScalar(item, factType, `${valueAt}/${i}`, problems));
  } else if (Array.isArray(value)) {
    problems.add(valueAt, `operator "${operator}" compares one value, got a list; use "in" or "notIn" for lists`);
  } else if (typeof value === 'object') {
    const otherType = facts.get(value.fact);
    if (otherType === undefined) problems.add(`${valueAt}/fact`, unknownFact(value.fact, facts));
    else if (otherType !== factType) problems.add(`${valueAt}/fact`, `this fact is a ${otherType}, but ${at}/fact is a ${factType}`);
  } else {
    checkScalar(value, factType, valueAt, problems);
  }
}

function checkScalar(value: unknown, type: FactType, at: string, problems: ProblemList): void {
  if (typeof value !== type) problems.add(at, `the fact is a ${type}, so the value must be a ${type}, got ${kindOf(value)}`);
}

/** Suggests a request field by name, or a declared observation by its pointer: nothing quoted from the file. */
function unknownFact(name: string, facts: Map<string, FactType>): string {
  const request = [...facts.keys()].filter((f) => REQUEST_FACT_NAMES.has(f));
  const declared = [...facts.keys()].filter((f) => !REQUEST_FACT_NAMES.has(f));
  const near = closest(name, facts.keys());
  if (near !== undefined) return `unknown fact; did you mean ${REQUEST_FACT_NAMES.has(near) ? `"${near}"` : pointer('observations', near)}?`;
  const observations = declared.length > 0 ? 'or one declared under /observations' : 'or declare it under /observations';
  return `unknown fact (known: ${request.join(', ')}, ${observations})`;
}
