// Report days are UTC dates (YYYY-MM-DD), as the worker counts them.
const DAY_MS = 24 * 60 * 60 * 1000;

export function todayUtc(now = new Date()) {
  return now.toISOString().slice(0, 10);
}

export function addDays(date, days) {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/** The last `days` days, today included: the default range is lastDays(30). */
export function lastDays(days, now = new Date()) {
  const to = todayUtc(now);
  return { from: addDays(to, -(days - 1)), to };
}

/** Every day from `from` to `to`, both included, so quiet days show as gaps. */
export function daysBetween(from, to) {
  const days = [];
  for (let day = from; day <= to; day = addDays(day, 1)) days.push(day);
  return days;
}

export function isDate(value) {
  return /^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(Date.parse(`${value}T00:00:00Z`));
}
