import type { PatientFacts, PatientInput } from './recommendation.js';

/** BMI from height and weight, to one decimal, as clinicians quote it. */
export function deriveBmi(heightCm: number, weightKg: number): number {
  const metres = heightCm / 100;
  return Math.round((weightKg / (metres * metres)) * 10) / 10;
}

/** Applies defaults and derives `bmi` when the client gave height and weight but no bmi. */
export function toFacts(input: PatientInput): PatientFacts {
  const facts: PatientFacts = {
    age: input.age,
    chronic_pain: input.chronic_pain ?? false,
    recent_surgery: input.recent_surgery ?? false,
    observations: input.observations ?? {},
  };
  if (input.height_cm !== undefined) facts.height_cm = input.height_cm;
  if (input.weight_kg !== undefined) facts.weight_kg = input.weight_kg;
  if (input.bmi !== undefined) facts.bmi = input.bmi;
  else if (input.height_cm !== undefined && input.weight_kg !== undefined) {
    facts.bmi = deriveBmi(input.height_cm, input.weight_kg);
  }
  return facts;
}
