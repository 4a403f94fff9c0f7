import type { Observation, Quantity } from 'fhir/r4.js';
import type { FhirFactsConfig, Measure } from './facts-config.js';
import { badFhir, hasCoding, requireDateTime, requireSubject, type Located } from './fhir-problems.js';
import { DAY_MS } from './fhir-time.js';

/** UCUM is the code system FHIR Quantities carry units in (R4 datatypes: Quantity). */
export const UCUM = 'http://unitsofmeasure.org';

interface Measured {
  value: number;
  /** The latest instant the measurement may have been made. */
  time: number;
  at: string;
}

/**
 * `bmi`: the latest BMI Observation, else the latest body weight over the
 * latest body height squared (one decimal, as POST /evaluate derives it).
 * Units are converted by UCUM code; a unit not in facts.json, a value with a
 * comparator ("> 150 kg") or an implausible value is an error, never dropped.
 */
export function bmiFrom(observations: ReadonlyArray<Located<Observation>>, config: FhirFactsConfig['bmi'], patientId: string, now: Date): number | undefined {
  const latest = (measure: Measure, name: string) => latestOf(observations, measure, name, config.observationStatuses, patientId, now);
  const bmi = latest(config.bmi, 'BMI');
  if (bmi !== undefined) return bmi.value;
  const weight = latest(config.weight, 'body weight');
  const height = latest(config.height, 'body height');
  if (weight === undefined || height === undefined) return undefined;
  const metres = height.value / 100;
  const derived = Math.round((weight.value / (metres * metres)) * 10) / 10;
  const { min, max } = config.bmi.range;
  if (derived < min || derived > max) {
    throw badFhir(weight.at, `${weight.value} kg at ${height.value} cm gives an implausible BMI of ${derived} (expected ${min}-${max})`);
  }
  return derived;
}

function latestOf(
  observations: ReadonlyArray<Located<Observation>>,
  measure: Measure,
  name: string,
  statuses: readonly string[],
  patientId: string,
  now: Date,
): Measured | undefined {
  let latest: Measured | undefined;
  for (const { resource, at } of observations) {
    if (!hasCoding(resource.code, measure.codes)) continue;
    requireSubject(resource.subject, patientId, at);
    if (!statuses.includes(resource.status)) continue; // preliminary, cancelled, entered-in-error: not a measurement
    if (resource.valueQuantity === undefined) {
      // "Not done" is recorded as a dataAbsentReason; anything else without a value is broken.
      if (resource.dataAbsentReason !== undefined) continue;
      throw badFhir(`${at}/valueQuantity`, `is missing: a ${name} Observation needs a value`);
    }
    const measured = { value: canonicalValue(resource.valueQuantity, measure, name, `${at}/valueQuantity`), time: timeOf(resource, at, now), at: `${at}/valueQuantity` };
    if (latest === undefined || measured.time > latest.time) latest = measured;
  }
  return latest;
}

function canonicalValue(quantity: Quantity, measure: Measure, name: string, at: string): number {
  if (typeof quantity.value !== 'number' || !Number.isFinite(quantity.value)) throw badFhir(`${at}/value`, `a ${name} needs a numeric value`);
  if (quantity.comparator !== undefined) throw badFhir(`${at}/comparator`, `"${quantity.comparator}" makes the ${name} inexact`);
  if (quantity.system !== UCUM || typeof quantity.code !== 'string') {
    throw badFhir(`${at}/code`, `the ${name} unit must be a UCUM code (system ${UCUM}), one of ${Object.keys(measure.units).join(', ')}`);
  }
  const factor = measure.units[quantity.code];
  if (factor === undefined) throw badFhir(`${at}/code`, `unknown ${name} unit "${quantity.code.slice(0, 32)}"; expected one of ${Object.keys(measure.units).join(', ')}`);
  const value = quantity.value * factor;
  const { min, max } = measure.range;
  if (value < min || value > max) throw badFhir(`${at}/value`, `${quantity.value} ${quantity.code} is an implausible ${name} (expected ${min}-${max} in canonical units)`);
  return value;
}

/** When it was measured: effective[x], else when it was issued; a time in the future is absurd. */
function timeOf(observation: Observation, at: string, now: Date): number {
  const [field, raw] =
    observation.effectiveDateTime !== undefined ? ['effectiveDateTime', observation.effectiveDateTime]
    : observation.effectiveInstant !== undefined ? ['effectiveInstant', observation.effectiveInstant]
    : observation.effectivePeriod !== undefined ? ['effectivePeriod', observation.effectivePeriod.end ?? observation.effectivePeriod.start]
    : ['issued', observation.issued];
  if (raw === undefined) throw badFhir(`${at}/effectiveDateTime`, 'is missing: without a time the latest measurement cannot be told');
  const time = requireDateTime(raw, `${at}/${field}`);
  if (time.earliest > now.getTime() + DAY_MS) throw badFhir(`${at}/${field}`, `${raw} is in the future`);
  return time.latest;
}
