import type { Filter, FindOptions } from 'mongodb';
import { RECORD_PROJECTION, type CountedDoc, type MongoCollections, type RecommendationDoc } from './mongo-collections.js';
import { isDuplicateKey } from './mongo-transactions.js';
import { distinctCodes, foldReport, type DailyCodeRow, type DailyTotalRow, type DailyVersionRow } from './report-summary.js';
import type { HistoryPosition, ReportSummary } from './store.js';

/**
 * Report counting and the history query of the MongoDB store: the two reads
 * and writes whose shape decides how they scale.
 */

/**
 * Counts a recommendation once: one insert of its marker, whose unique _id
 * (the recommendation id) makes a redelivered event a no-op. Totals are
 * computed from the markers when read, so no job updates a shared counter
 * document and no transaction is needed: the insert is the whole write.
 */
export async function countOnce(
  reportCounted: MongoCollections['reportCounted'],
  recommendationId: string,
  date: string,
  codes: string[],
  rulesetVersion: string,
): Promise<boolean> {
  try {
    await reportCounted.insertOne({ _id: recommendationId, date, codes: distinctCodes(codes), ruleset_version: rulesetVersion });
    return true;
  } catch (err) {
    if (isDuplicateKey(err)) return false;
    throw err;
  }
}

interface ReportFacets {
  totals: Array<{ _id: string; total: number }>;
  codes: Array<{ _id: { date: string; code: string }; count: number }>;
  versions: Array<{ _id: { date: string; version: string }; count: number }>;
}

/** The pipeline of `reportSummary`: the `date` index selects the range, one pass groups it three ways. */
function reportPipeline(from?: string, to?: string): object[] {
  const bounds = { ...(from !== undefined && { $gte: from }), ...(to !== undefined && { $lte: to }) };
  return [
    ...(from !== undefined || to !== undefined ? [{ $match: { date: bounds } satisfies Filter<CountedDoc> }] : []),
    {
      $facet: {
        totals: [{ $group: { _id: '$date', total: { $sum: 1 } } }],
        codes: [{ $unwind: '$codes' }, { $group: { _id: { date: '$date', code: '$codes' }, count: { $sum: 1 } } }],
        versions: [{ $group: { _id: { date: '$date', version: '$ruleset_version' }, count: { $sum: 1 } } }],
      },
    },
  ];
}

export async function summarise(
  reportCounted: MongoCollections['reportCounted'],
  from?: string,
  to?: string,
): Promise<ReportSummary> {
  const [facets] = await reportCounted.aggregate<ReportFacets>(reportPipeline(from, to)).toArray();
  const totals: DailyTotalRow[] = (facets?.totals ?? []).map((t) => ({ date: t._id, total: t.total }));
  const codes: DailyCodeRow[] = (facets?.codes ?? []).map((c) => ({ date: c._id.date, code: c._id.code, count: c.count }));
  const versions: DailyVersionRow[] = (facets?.versions ?? []).map((v) => ({
    date: v._id.date,
    version: v._id.version,
    count: v.count,
  }));
  return foldReport({ from, to }, totals, codes, versions);
}

/**
 * A page of a patient's history, newest first, as a query on the `history`
 * index (patient_key, created_at desc, _id desc). After a cursor, the
 * `created_at <= cursor` term gives the index scan a start bound at the
 * cursor, so a page reads about `limit` keys however many newer ones the
 * patient has; the `$or` then drops the cursor's own timestamp up to and
 * including its id. (The `$or` alone leaves created_at unbounded at the
 * top: the planner may scan the patient's range from its newest key.)
 * The contract suite checks this with explain.
 */
export function historyQuery(
  patientKey: string,
  limit: number,
  after?: HistoryPosition,
): { filter: Filter<RecommendationDoc>; options: FindOptions } {
  const filter: Filter<RecommendationDoc> = after
    ? {
        patient_key: patientKey,
        created_at: { $lte: after.createdAt },
        $or: [{ created_at: { $lt: after.createdAt } }, { _id: { $lt: after.id } }],
      }
    : { patient_key: patientKey };
  return {
    filter,
    options: {
      projection: RECORD_PROJECTION,
      sort: { created_at: -1, _id: -1 },
      limit: limit + 1,
      hint: 'history',
    },
  };
}
