import { stat } from 'node:fs/promises';
import type { CliRequest } from './cli-args.js';
import { jsonReport, validateLines } from './cli-report.js';
import { replayImpact, sinceBound, type ImpactReport } from './impact.js';
import { openStoreAt, StoreLocationError } from './impact-store.js';
import { impactLines } from './impact-table.js';
import { checkRulesetFile } from './ruleset-file.js';

type ImpactRequest = Extract<CliRequest, { kind: 'impact' }>;

const print = (text: string): void => void process.stdout.write(`${text}\n`);

/**
 * `clinical-rules impact`: 0 when it ran, 1 when the candidate is invalid
 * (its problems printed as `validate` prints them), 2 on usage errors (a
 * candidate or store that is not there, a date that is not one).
 */
export async function runImpactCommand(request: ImpactRequest, maxBytes: number): Promise<number> {
  const usage = (message: string): number => {
    process.stderr.write(`clinical-rules: ${message}\n`);
    return 2;
  };
  const since = request.since === undefined ? undefined : sinceBound(request.since);
  if (request.since !== undefined && since === undefined) return usage(`--since "${request.since}" is not a date (2026-01-01) or an ISO-8601 time`);
  if ((await stat(request.candidate).catch(() => undefined)) === undefined) return usage(`no such file: ${request.candidate}`);

  const checked = await checkRulesetFile(request.candidate, request.candidate, maxBytes);
  if (checked.compiled === undefined) {
    print(request.json ? JSON.stringify(jsonReport([checked]), null, 2) : validateLines([checked]).join('\n'));
    return 1;
  }
  let report: ImpactReport;
  try {
    const store = await openStoreAt(request.store);
    try {
      report = await replayImpact(checked.compiled, store.iterateDecisions(since), since);
    } finally {
      await store.close();
    }
  } catch (err) {
    if (err instanceof StoreLocationError) return usage(err.message);
    throw err;
  }
  print(request.json ? JSON.stringify(report, null, 2) : impactLines(report).join('\n'));
  return 0;
}
