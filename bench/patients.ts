import type { PatientId, PatientInput } from '../core/domain/recommendation.js';

/**
 * Realistic POST /evaluate bodies: adults 18-95, a bmi or height and weight
 * (or neither), flags sometimes given and sometimes defaulted, and, when
 * asked for, now and then observations. Seeded, so two runs send the same traffic.
 */
export interface PatientSource {
  /** The pool the bodies draw patient ids from: strings and integers, about half each. */
  readonly ids: readonly PatientId[];
  next(): PatientInput;
}

export interface PatientSourceOptions {
  /**
   * Add `smoker` and `systolic_bp` observations to about a fifth of the bodies.
   * Only for a ruleset that declares them (bench/generated-ruleset.ts): under
   * one that does not, such a body is a 400 by contract. Off by default, as
   * the shipped ruleset declares no observations.
   */
  observations?: boolean;
}

export function patientSource(poolSize = 500, seed = 42, options: PatientSourceOptions = {}): PatientSource {
  const random = mulberry32(seed);
  const between = (min: number, max: number) => min + random() * (max - min);
  const integer = (min: number, max: number) => Math.floor(between(min, max + 1));
  const oneDecimal = (n: number) => Math.round(n * 10) / 10;
  const ids: PatientId[] = Array.from({ length: poolSize }, (_, i) => (i % 2 === 0 ? `bench-${i}` : 100_000 + i));

  return {
    ids,
    next() {
      const patient: PatientInput = { patient_id: ids[integer(0, ids.length - 1)] ?? 1, age: integer(18, 95) };
      const shape = random();
      if (shape < 0.45) patient.bmi = oneDecimal(between(17, 45));
      else if (shape < 0.8) {
        patient.height_cm = oneDecimal(between(145, 200));
        patient.weight_kg = oneDecimal(between(45, 150));
      }
      if (random() < 0.7) patient.chronic_pain = random() < 0.35;
      if (random() < 0.7) patient.recent_surgery = random() < 0.15;
      // Drawn either way, so the rest of the traffic is the same with or without observations.
      if (random() < 0.2) {
        const observations = { smoker: random() < 0.3, systolic_bp: integer(100, 180) };
        if (options.observations === true) patient.observations = observations;
      }
      return patient;
    },
  };
}

/** A tiny seeded PRNG (public domain), good enough to vary benchmark traffic. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
