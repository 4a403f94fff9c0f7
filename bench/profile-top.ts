// Top self-time functions of a V8 .cpuprofile (from `npm run bench -- --cpu-prof <dir>`).
// Usage: npx tsx bench/profile-top.ts <file.cpuprofile> [count]
// Lines are those of the code V8 ran: for .ts files that is tsx's output, so
// treat them as close to, not exactly, the source line.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../core/paths.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const [file, countArg] = process.argv.slice(2);
if (file === undefined) {
  process.stderr.write('usage: tsx bench/profile-top.ts <file.cpuprofile> [count]\n');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));

const selfMicros = new Map<string, number>();
const byPlace = new Map<string, number>();
let total = 0;
profile.samples.forEach((id, i) => {
  const node = byId.get(id);
  const micros = profile.timeDeltas[i] ?? 0;
  if (node === undefined || node.callFrame.functionName === '(idle)') return;
  total += micros;
  const { functionName, url, lineNumber } = node.callFrame;
  const where = place(url);
  const key = `${functionName || '(anonymous)'}  ${where}${url ? `:${lineNumber + 1}` : ''}`;
  selfMicros.set(key, (selfMicros.get(key) ?? 0) + micros);
  const area = where.startsWith('node_modules/') ? where.split('/').slice(0, where.startsWith('node_modules/@') ? 3 : 2).join('/') : where || functionName;
  byPlace.set(area, (byPlace.get(area) ?? 0) + micros);
});

const count = Number(countArg ?? 30);
const show = (title: string, entries: Map<string, number>, n: number) => {
  process.stdout.write(`\n${title} (of ${(total / 1000).toFixed(0)} ms non-idle)\n`);
  for (const [key, micros] of [...entries].sort((a, b) => b[1] - a[1]).slice(0, n)) {
    process.stdout.write(`${((micros / total) * 100).toFixed(1).padStart(5)}%  ${(micros / 1000).toFixed(0).padStart(6)} ms  ${key}\n`);
  }
};
show('self time by function', selfMicros, count);
show('self time by package or file', byPlace, count);

/** Project files relative to the root, node internals as they are. */
function place(url: string): string {
  if (!url.startsWith('file://')) return url;
  const file = new URL(url).pathname;
  const inModules = file.lastIndexOf('/node_modules/');
  return inModules >= 0 ? file.slice(inModules + 1) : path.relative(PROJECT_ROOT, file);
}
