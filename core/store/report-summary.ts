import type { FeedbackByCode, ReportDay, ReportSummary } from './store.js';

/**
 * Folds the daily counters every adapter keeps into the shape of
 * GET /reports/summary, so both stores answer identically.
 *
 * A recommendation where no rule fired counts in its day's `total` but under
 * no code: `by_code` only ever names codes that fired. Every recommendation
 * counts under the ruleset version that decided it (`by_ruleset_version`).
 * Days without any counted recommendation are left out of `daily`.
 */
export interface DailyTotalRow {
  date: string;
  total: number;
}

export interface DailyCodeRow {
  date: string;
  code: string;
  count: number;
}

export interface DailyVersionRow {
  date: string;
  version: string;
  count: number;
}

export function foldReport(
  range: { from?: string; to?: string },
  totals: DailyTotalRow[],
  codes: DailyCodeRow[],
  versions: DailyVersionRow[],
): ReportSummary {
  const days = new Map<string, ReportDay>();
  for (const row of totals) {
    days.set(row.date, { date: row.date, total: row.total, by_code: {}, by_ruleset_version: {} });
  }
  // Counters are written in one transaction with their total, so a row
  // without its day is only reachable on hand-edited data; keep it visible anyway.
  const dayOf = (date: string): ReportDay => {
    let day = days.get(date);
    if (!day) {
      day = { date, total: 0, by_code: {}, by_ruleset_version: {} };
      days.set(date, day);
    }
    return day;
  };
  const byCode: Record<string, number> = {};
  for (const row of codes) {
    const day = dayOf(row.date);
    day.by_code[row.code] = (day.by_code[row.code] ?? 0) + row.count;
    byCode[row.code] = (byCode[row.code] ?? 0) + row.count;
  }
  const byVersion: Record<string, number> = {};
  for (const row of versions) {
    const day = dayOf(row.date);
    day.by_ruleset_version[row.version] = (day.by_ruleset_version[row.version] ?? 0) + row.count;
    byVersion[row.version] = (byVersion[row.version] ?? 0) + row.count;
  }
  const daily = [...days.values()].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
  const summary: ReportSummary = {
    total: daily.reduce((sum, day) => sum + day.total, 0),
    by_code: byCode,
    by_ruleset_version: byVersion,
    daily,
  };
  if (range.from !== undefined) summary.from = range.from;
  if (range.to !== undefined) summary.to = range.to;
  return summary;
}

/** The distinct codes of one recommendation: a code counts once per recommendation. */
export function distinctCodes(codes: string[]): string[] {
  return [...new Set(codes)];
}

/** Rows of (code, outcome, count) as `{CODE: {accepted, overridden}}`; both adapters answer with it. */
export function foldFeedback(rows: ReadonlyArray<{ code: string; outcome: string; n: number }>): FeedbackByCode {
  const byCode: FeedbackByCode = {};
  for (const { code, outcome, n } of rows) {
    const counts = (byCode[code] ??= { accepted: 0, overridden: 0 });
    if (outcome === 'accepted' || outcome === 'overridden') counts[outcome] += n;
  }
  return byCode;
}
