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
  if (leaf.factResult === undefined) return notRecorded(leaf);
  return withValue(phraseParts(leaf, negated), leaf.factResult);
}

/** What a condition on a fact the patient did not give says. */
export function notRecorded(leaf: Pick<EvaluatedCondition, 'fact'>): string {
  return `${leaf.fact ?? '?'} is not recorded`;
}

/**
 * A phrase split around the patient's value, which is all that changes from
 * one patient to the next when the right-hand side is a constant: so a
 * compiled ruleset builds the parts once per condition (condition-reasons.ts).
 */
export interface PhraseParts {
  before: string;
  /** Absent when the phrase does not show the patient's value. */
  after?: string;
}

export function phraseParts(leaf: Omit<EvaluatedCondition, 'factResult'>, negated: boolean): PhraseParts {
  const fact = leaf.fact ?? '?';
  const operator = negated ? (COMPLEMENT[leaf.operator ?? ''] ?? leaf.operator) : leaf.operator;
  const expected = right(leaf);
  switch (operator) {
    case 'equal':
      return { before: `${fact} is ${expected}` };
    case 'notEqual':
      return { before: `${fact} is `, after: `, not ${expected}` };
    case 'in':
      return { before: `${fact} `, after: ` is one of ${expected}` };
    case 'notIn':
      return { before: `${fact} `, after: ` is not one of ${expected}` };
    case 'contains':
      return { before: `${fact} contains ${expected}` };
    case 'doesNotContain':
      return { before: `${fact} does not contain ${expected}` };
    default:
      return { before: `${fact} `, after: ` ${SYMBOL[operator ?? ''] ?? operator} ${expected}` };
  }
}

/** The phrase for this value of the fact. */
export function withValue(parts: PhraseParts, factResult: unknown): string {
  return parts.after === undefined ? parts.before : parts.before + show(factResult) + parts.after;
}

/** The right-hand side, naming the other fact when the value was `{"fact": ...}`. */
function right(leaf: Omit<EvaluatedCondition, 'factResult'>): string {
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
