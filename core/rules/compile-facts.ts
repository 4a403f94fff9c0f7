import type { PatientFacts } from '../domain/recommendation.js';
import type { FactValues } from './compile-operators.js';
import { REQUEST_FACT_NAMES, type FactType, type RulesetDefinition } from './ruleset-format.js';

/** Fact name to slot in the values array; unknown names get slots that stay undefined. */
export type SlotOf = (fact: string) => number;

/**
 * Where each fact sits in the values array a compiled ruleset evaluates
 * against: request fields first, then the declared observations, then any
 * other name a condition mentions (such a slot stays undefined: a fact the
 * engine would not know either).
 */
export interface FactLayout {
  slotOf(fact: string): number;
  /** The facts as the engine sees them: declared observations of the declared type only. */
  valuesOf(patient: PatientFacts): FactValues;
}

export function factLayout(definition: Pick<RulesetDefinition, 'observations'>): FactLayout {
  const slots = new Map<string, number>(REQUEST_FACT_NAMES.map((name, i) => [name, i]));
  const observations: Array<[string, FactType, number]> = [];
  for (const [name, declaration] of Object.entries(definition.observations ?? {})) {
    const slot = slots.get(name) ?? slots.size;
    slots.set(name, slot);
    observations.push([name, declaration.type, slot]);
  }
  const slotOf = (fact: string): number => {
    let slot = slots.get(fact);
    if (slot === undefined) {
      slot = slots.size;
      slots.set(fact, slot);
    }
    return slot;
  };
  return {
    slotOf,
    valuesOf(patient) {
      const values: unknown[] = new Array<unknown>(slots.size);
      for (let i = 0; i < REQUEST_FACT_NAMES.length; i += 1) values[i] = patient[REQUEST_FACT_NAMES[i] as (typeof REQUEST_FACT_NAMES)[number]];
      // Anything else stays absent, so conditions on it simply do not hold.
      for (const [name, type, slot] of observations) {
        const value = patient.observations[name];
        if (typeof value === type) values[slot] = value;
      }
      return values;
    },
  };
}
