/**
 * FHIR R4 `date` and `dateTime` values as the span of UTC instants they may
 * mean. A partial value ("1950", "2026-11") or a bare date is a whole span,
 * and a fact that the span leaves open is reported as too imprecise rather
 * than guessed. Bare dates carry no time zone in FHIR; they are read as UTC
 * calendar days, the calendar the call's date is taken in.
 */
export interface FhirTime {
  /** First instant the value may mean, epoch ms. */
  earliest: number;
  /** Last instant the value may mean, epoch ms. */
  latest: number;
}

export const DAY_MS = 86_400_000;

// FHIR R4's own regular expressions for date and dateTime (datatypes.html).
const DATE = /^(\d{4})(?:-(0[1-9]|1[0-2])(?:-(0[1-9]|[12]\d|3[01]))?)?$/;
const DATE_TIME =
  /^(\d{4})(?:-(0[1-9]|1[0-2])(?:-(0[1-9]|[12]\d|3[01])(?:T([01]\d|2[0-3]):([0-5]\d):([0-5]\d|60)(\.\d{1,9})?(Z|[+-](?:(?:0\d|1[0-3]):[0-5]\d|14:00)))?)?)?$/;

/** A `date` (no time part); undefined when it is not one. */
export function parseFhirDate(value: unknown): FhirTime | undefined {
  if (typeof value !== 'string') return undefined;
  const m = DATE.exec(value);
  return m ? calendarSpan(m[1], m[2], m[3]) : undefined;
}

/** A `dateTime` (a date, or a full time with its zone); undefined when it is not one. */
export function parseFhirDateTime(value: unknown): FhirTime | undefined {
  if (typeof value !== 'string') return undefined;
  const m = DATE_TIME.exec(value);
  if (!m) return undefined;
  if (m[4] === undefined) return calendarSpan(m[1], m[2], m[3]);
  const span = calendarSpan(m[1], m[2], m[3]);
  if (span === undefined) return undefined;
  const instant = Date.parse(value.replace(/:60(\.|Z|[+-])/, ':59$1'));
  return Number.isNaN(instant) ? undefined : { earliest: instant, latest: instant };
}

function calendarSpan(year?: string, month?: string, day?: string): FhirTime | undefined {
  const y = Number(year);
  if (month === undefined) return { earliest: Date.UTC(y, 0, 1), latest: Date.UTC(y + 1, 0, 1) - 1 };
  const mo = Number(month) - 1;
  if (day === undefined) return { earliest: Date.UTC(y, mo, 1), latest: Date.UTC(y, mo + 1, 1) - 1 };
  const start = Date.UTC(y, mo, Number(day));
  // 2025-02-30 would roll over into March: not a calendar date.
  if (new Date(start).getUTCDate() !== Number(day)) return undefined;
  return { earliest: start, latest: start + DAY_MS - 1 };
}

/** The UTC day an instant falls on, as `YYYY-MM-DD`. */
export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** Midnight UTC at the start of the day `days` days before the day of `at`. */
export function startOfUtcDay(at: Date, daysBefore = 0): number {
  return Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate()) - daysBefore * DAY_MS;
}

/** Whole years from a birth day to a day, both `YYYY-MM-DD`: the birthday counts once reached. */
export function wholeYears(born: string, on: string): number {
  const years = Number(on.slice(0, 4)) - Number(born.slice(0, 4));
  return on.slice(5) < born.slice(5) ? years - 1 : years;
}
