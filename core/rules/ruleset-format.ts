/**
 * The ruleset file format (DESIGN.md "Rules as data"), as TypeScript sees it
 * once rules/schema/ruleset.schema.json has accepted a file.
 */

import type { CardIndicator, FiredRule, PatientFacts, PatientInput } from '../domain/recommendation.js';

export type FactType = 'number' | 'boolean' | 'string';

export type Scalar = number | boolean | string;

/** A condition's right-hand side: a constant, a list (in/notIn), or another fact. */
export type ConditionValue = Scalar | Scalar[] | { fact: string };

export interface FactCondition {
  fact: string;
  operator: string;
  value: ConditionValue;
  path?: string;
  params?: Record<string, unknown>;
  priority?: number;
  name?: string;
}

export interface AllCondition {
  all: Condition[];
  priority?: number;
  name?: string;
}

export interface AnyCondition {
  any: Condition[];
  priority?: number;
  name?: string;
}

export interface NotCondition {
  not: Condition;
  priority?: number;
  name?: string;
}

export type BooleanCondition = AllCondition | AnyCondition | NotCondition;
export type Condition = BooleanCondition | FactCondition;

export interface RuleDefinition {
  id: string;
  description?: string;
  priority: number;
  conditions: BooleanCondition;
  recommendation: { code: string; title: string };
  /** How urgent its CDS Hooks card is; `info` when absent. */
  indicator?: CardIndicator;
}

export interface ObservationDeclaration {
  type: FactType;
  description?: string;
}

/** A patient input as POST /evaluate takes it, minus `patient_id`. */
export type TestPatient = Omit<PatientInput, 'patient_id'>;

export interface RulesetTest {
  name: string;
  patient: TestPatient;
  expect: string[];
}

export interface RulesetDefinition {
  $schema?: string;
  name: string;
  version: string;
  description?: string;
  observations?: Record<string, ObservationDeclaration>;
  rules: RuleDefinition[];
  tests?: RulesetTest[];
}

/** Facts every ruleset may use: the request fields (bmi may be derived). */
export const REQUEST_FACTS: Readonly<Record<string, FactType>> = {
  age: 'number',
  bmi: 'number',
  height_cm: 'number',
  weight_kg: 'number',
  chronic_pain: 'boolean',
  recent_surgery: 'boolean',
};

/** The request facts' names, as fields of PatientFacts. */
export const REQUEST_FACT_NAMES = Object.keys(REQUEST_FACTS) as ReadonlyArray<keyof PatientFacts>;

/** Names an observation may not take: request fields and the envelope around them. */
export const RESERVED_FACT_NAMES: ReadonlySet<string> = new Set([...Object.keys(REQUEST_FACTS), 'observations', 'patient_id']);

/** The fact names and types a ruleset's conditions may refer to. */
export function factTypes(def: Pick<RulesetDefinition, 'observations'>): Map<string, FactType> {
  const types = new Map<string, FactType>(Object.entries(REQUEST_FACTS));
  for (const [name, declaration] of Object.entries(def.observations ?? {})) {
    if (!RESERVED_FACT_NAMES.has(name)) types.set(name, declaration.type);
  }
  return types;
}

export function isBooleanCondition(condition: Condition): condition is BooleanCondition {
  return 'all' in condition || 'any' in condition || 'not' in condition;
}

/** The order fired rules are reported in (DESIGN.md): highest priority first, then by rule id (code points). */
export function byPriorityThenId(a: Pick<RuleDefinition, 'priority' | 'id'>, b: Pick<RuleDefinition, 'priority' | 'id'>): number {
  return b.priority - a.priority || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** What a decision says of one rule that fired, whichever engine decided. */
export function firedRule(rule: RuleDefinition, reasons: string[]): FiredRule {
  return {
    code: rule.recommendation.code,
    title: rule.recommendation.title,
    rule: rule.id,
    priority: rule.priority,
    reasons,
    ...(rule.indicator !== undefined ? { indicator: rule.indicator } : {}),
  };
}
