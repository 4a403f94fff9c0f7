import type { Procedure } from 'fhir/r4.js';
import type { FhirFactsConfig } from './facts-config.js';
import { badFhir, hasCoding, requireDateTime, requireSubject, type Located } from './fhir-problems.js';
import { DAY_MS, startOfUtcDay, utcDay, type FhirTime } from './fhir-time.js';

/**
 * `recent_surgery`: a completed Procedure in a surgical category performed
 * on or after the call's date minus the window (performedDateTime, or the end
 * of performedPeriod). A performed time too vague to place against that day
 * ("2026-11" when the cut-off is mid-November) is an error, not a guess; a
 * period without an end is recent when its start already is.
 */
export function recentSurgeryFrom(procedures: ReadonlyArray<Located<Procedure>>, config: FhirFactsConfig['recentSurgery'], patientId: string, now: Date): boolean {
  const cutoff = startOfUtcDay(now, config.windowDays);
  let found = false;
  for (const { resource, at } of procedures) {
    if (!hasCoding(resource.category, config.categories)) continue;
    requireSubject(resource.subject, patientId, at);
    if (!config.statuses.includes(resource.status)) continue;
    const { field, time } = performedTime(resource, at);
    if (time.earliest > startOfUtcDay(now) + 2 * DAY_MS) throw badFhir(`${at}/${field}`, `a completed procedure cannot be performed in the future (${utcDay(time.earliest)})`);
    if (time.earliest >= cutoff) found = true;
    else if (time.latest >= cutoff && !field.endsWith('start')) {
      throw badFhir(`${at}/${field}`, `is too imprecise to tell whether it was within ${config.windowDays} days of ${utcDay(now.getTime())}`);
    } else if (field.endsWith('start')) {
      throw badFhir(`${at}/performedPeriod/end`, `is missing: a procedure that started before ${utcDay(cutoff)} may or may not have ended within ${config.windowDays} days`);
    }
  }
  return found;
}

function performedTime(procedure: Procedure, at: string): { field: string; time: FhirTime } {
  const parse = (field: string, raw: string | undefined): { field: string; time: FhirTime } => ({ field, time: requireDateTime(raw, `${at}/${field}`) });
  if (procedure.performedDateTime !== undefined) return parse('performedDateTime', procedure.performedDateTime);
  const period = procedure.performedPeriod;
  if (period?.end !== undefined) return parse('performedPeriod/end', period.end);
  // No end: the procedure ended no earlier than it started.
  if (period?.start !== undefined) return parse('performedPeriod/start', period.start);
  const other = procedure.performedString ?? procedure.performedAge ?? procedure.performedRange;
  throw badFhir(`${at}/performedDateTime`, other === undefined ? 'is missing: when the surgery was performed cannot be told' : 'performed is given only as text, an age or a range, which cannot be placed on a date');
}
