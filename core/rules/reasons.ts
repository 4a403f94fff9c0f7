/**
 * Turns an evaluated json-rules-engine condition tree into sentences saying
 * which conditions held, with the patient's actual values:
 * `["age 70 > 65", "chronic_pain is true"]`.
 */

/** A condition node after evaluation, as json-rules-engine leaves it on a RuleResult. */
export interface EvaluatedCondition {
  all?: EvaluatedCondition[];
  any?: EvaluatedCondition[];
  not?: EvaluatedCondition;
  fact?: string;
  operator?: string;
  value?: unknown;
  factResult?: unknown;
  valueResult?: unknown;
  result?: boolean;
}

/** The operator that holds exactly when the given one does not. */
const COMPLEMENT: Record<string, string> = {
  equal: 'notEqual', notEqual: 'equal',
  lessThan: 'greaterThanInclusive', greaterThanInclusive: 'lessThan',
  lessThanInclusive: 'greaterThan', greaterThan: 'lessThanInclusive',
  in: 'notIn', notIn: 'in',
  contains: 'doesNotContain', doesNotContain: 'contains',
};

const SYMBOL: Record<string, string> = {
  lessThan: '<', lessThanInclusive: '<=', greaterThan: '>', greaterThanInclusive: '>=',
};

/**
 * Reasons of a condition that held. Under `not` the question flips to "which
 * conditions failed", and each is phrased as its complement (De Morgan).
 */
export function reasonsFor(node: EvaluatedCondition, negated = false): string[] {
  if (node.not !== undefined) return reasonsFor(node.not, !negated);
  const children = node.all ?? node.any;
  if (children !== undefined) {
    const wanted = !negated;
    return children.filter((child) => child.result === wanted).flatMap((child) => reasonsFor(child, negated));
  }
  return [phrase(node, negated)];
}

/** One condition that held (or, negated, failed), in words. */
export function phrase(leaf: EvaluatedCondition, negated: boolean): string {
  const fact = leaf.fact ?? '?';
  if (leaf.factResult === undefined) return `${fact} is not recorded`;
  const operator = negated ? (COMPLEMENT[leaf.operator ?? ''] ?? leaf.operator) : leaf.operator;
  const actual = show(leaf.factResult);
  const expected = right(leaf);
  switch (operator) {
    case 'equal':
      return `${fact} is ${expected}`;
    case 'notEqual':
      return `${fact} is ${actual}, not ${expected}`;
    case 'in':
      return `${fact} ${actual} is one of ${expected}`;
    case 'notIn':
      return `${fact} ${actual} is not one of ${expected}`;
    case 'contains':
      return `${fact} contains ${expected}`;
    case 'doesNotContain':
      return `${fact} does not contain ${expected}`;
    default:
      return `${fact} ${actual} ${SYMBOL[operator ?? ''] ?? operator} ${expected}`;
  }
}

/** The right-hand side, naming the other fact when the value was `{"fact": ...}`. */
function right(leaf: EvaluatedCondition): string {
  const { value } = leaf;
  const shown = show(leaf.valueResult === undefined ? value : leaf.valueResult);
  if (typeof value === 'object' && value !== null && !Array.isArray(value) && 'fact' in value) {
    return `${String(value.fact)} ${shown}`;
  }
  return shown;
}

function show(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(show).join(', ')}]`;
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}
