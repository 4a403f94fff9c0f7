import type { ImpactReport } from './impact.js';

/** The report as a clinician reads it: the counts, then one line per code that would move. */
export function impactLines(report: ImpactReport): string[] {
  const { candidate } = report;
  const scope = report.since === null ? 'every stored decision' : `stored decisions since ${report.since}`;
  const lines = [
    `Impact of ${candidate.name} ${candidate.version} (${candidate.hash.slice(0, 19)}…) on ${scope}:`,
    `  replayed        ${report.replayed}`,
    `  would change    ${report.changed}`,
    `  unchanged       ${report.unchanged}`,
    `  not replayable  ${report.not_replayable}${report.not_replayable > 0 ? ' (stored before their facts were kept)' : ''}`,
  ];
  if (report.codes.length === 0) return [...lines, '', report.replayed === 0 ? 'Nothing to replay.' : 'No decision would change.'];
  const width = Math.max(4, ...report.codes.map((c) => c.code.length));
  lines.push('', `  ${'code'.padEnd(width)}  ${'gained'.padStart(6)}  ${'lost'.padStart(6)}`);
  for (const c of report.codes) lines.push(`  ${c.code.padEnd(width)}  ${String(c.gained).padStart(6)}  ${String(c.lost).padStart(6)}`);
  lines.push('', 'Examples (recommendation ids):');
  for (const c of report.codes) {
    if (c.gained_examples.length > 0) lines.push(`  ${c.code} gained: ${c.gained_examples.join(' ')}`);
    if (c.lost_examples.length > 0) lines.push(`  ${c.code} lost: ${c.lost_examples.join(' ')}`);
  }
  return lines;
}
