import type { BenchReport } from './report.js';

/** The table and the findings, as a person reads them; the JSON (writeReport) holds the same and more. */
export function printReport(report: BenchReport, out: (line: string) => void): void {
  const redis = report.meta.mode === 'redis';
  const rows = [['scenario', 'req/s', 'CPU µs/req', ...(redis ? ['worker µs/req'] : []), 'p50 ms', 'p97.5 ms', 'p99 ms', 'p99/bare', 'errors/non-2xx', 'ratio', 'per round']];
  for (const s of report.scenarios) {
    const ratio = s.ratioToCeiling === null ? '' : percent(s.ratioToCeiling);
    const rounds = s.rounds ? `${percent(Math.min(...s.rounds.ratios))}-${percent(Math.max(...s.rounds.ratios))}` : '';
    const worker = s.workerCpuUsPerRequest === undefined ? '' : micros(s.workerCpuUsPerRequest);
    const p99Factor = s.ceilingP99 === undefined ? '' : `${(s.p99 / s.ceilingP99).toFixed(2)}x`;
    rows.push([s.name, s.reqPerSec.toFixed(0), micros(s.cpuUsPerRequest), ...(redis ? [worker] : []), String(s.p50), String(s.p97_5), String(s.p99), p99Factor, `${s.errors}/${s.non2xx}`, ratio, rounds]);
  }
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  if (rows.length > 1) {
    for (const row of rows) out(row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  '));
    out(`CPU µs/req: the server process's user+system time per request, all its threads (/proc/<pid>/stat).`);
    out(`ratio: req/s over the ceiling's, p99/bare: p99 over the ceiling's p99, both in the same ${report.meta.rounds} alternating`);
    out('rounds (per round: lowest-highest ratio). Latency percentiles: all slices merged.');
  }
  for (const s of report.scenarios) for (const sample of s.samples) out(`  ${s.name}: ${sample}`);

  const { memory, hotReload, rules } = report;
  if (memory) {
    const how = `median of the first vs the last ${memory.windowSec} s`;
    out(`memory: API RSS ${memory.rssBeforeMb} -> ${memory.rssAfterMb} MB (${memory.growthPct.toFixed(1)}%) over ${memory.requests} requests (${how}); peak ${memory.rssPeakMb} MB`);
  }
  if (hotReload) {
    const between = hotReload.ceilingSliceInBetween ? ' (a ceiling slice ran in between)' : '';
    const after = hotReload.firstStampedAfterMs === null ? 'never' : `${hotReload.firstStampedAfterMs} ms after the copy${between}`;
    out(`hot reload: ${hotReload.newVersion} first stamped ${after}; ${hotReload.responsesWithNewVersion} responses with it; ${hotReload.failedRequests} failed requests`);
  }
  if (rules) {
    out(`rules: shipped ruleset ${Math.round(rules.shipped.evaluationsPerSec)} evaluations/s; ${rules.generated.rules} generated rules ${Math.round(rules.generated.evaluationsPerSec)} evaluations/s (one core, sequential)`);
    out(`rules: validate+compile (checkRulesetFile, median of 5) shipped ${rules.validateCompileMs.shipped.toFixed(1)} ms, ${rules.generated.rules} rules ${rules.validateCompileMs.generated.toFixed(1)} ms`);
    out(`rules: file written into a watched folder -> registry active ${rules.hotReloadMs.toFixed(0)} ms (${rules.generated.rules} rules, includes the watcher's delay)`);
    for (const size of rules.sizes ?? []) {
      out(
        `rules: ${size.rules} ${size.shape} rules ${Math.round(size.evaluationsPerSec)} evaluations/s (${Math.round(size.evaluationsPerCpuSec)} per CPU-second), ${size.firedPerPatient.toFixed(1)} fired per patient; ` +
          `check+compile ${size.validateCompileMs.toFixed(0)} ms, longest event-loop block ${size.longestBlockMs.toFixed(0)} ms`,
      );
    }
    if (rules.impact) out(`rules: impact replay ${Math.round(rules.impact.replayedPerSec)} decisions/s (${rules.impact.decisions} stored decisions, SQLite, shipped ruleset)`);
  }
  for (const b of report.budgets) out(`${b.status} ${b.name}: ${b.detail}`);
}

function percent(ratio: number): string {
  return `${(ratio * 100).toFixed(0)}%`;
}

/** `-` where /proc could not tell. */
function micros(value: number | null): string {
  return value === null ? '-' : value.toFixed(0);
}
