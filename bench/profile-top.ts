// Top self-time functions of a V8 .cpuprofile (from `npm run bench -- --cpu-prof <dir>`).
// Usage: npx tsx bench/profile-top.ts <file.cpuprofile> [count] [--last <s>] [--callers <function>]
//   --last <s>           only the final s seconds (the load, not the start-up)
//   --callers <function> also the call chains that spend self time in <function>
// Lines are those of the code V8 ran. tsx compiles each .ts file to one line,
// so for .ts files find the function by name (and --callers for anonymous ones).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { PROJECT_ROOT } from '../core/platform/paths.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  endTime: number;
}

const { positionals, values } = parseArgs({ allowPositionals: true, options: { last: { type: 'string' }, callers: { type: 'string' } } });
const [file, countArg] = positionals;
if (file === undefined) {
  process.stderr.write('usage: tsx bench/profile-top.ts <file.cpuprofile> [count] [--last <s>] [--callers <function>]\n');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parentOf = new Map<number, number>();
for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
// Sample times: timeDeltas are microseconds since the previous sample; count back from the end.
const since = values.last === undefined ? -Infinity : profile.endTime - Number(values.last) * 1e6;
let at = profile.endTime - profile.timeDeltas.reduce((sum, d) => sum + d, 0);
const chains = new Map<string, number>();

const selfMicros = new Map<string, number>();
const byPlace = new Map<string, number>();
let total = 0;
profile.samples.forEach((id, i) => {
  const node = byId.get(id);
  const micros = profile.timeDeltas[i] ?? 0;
  at += micros;
  if (at < since || node === undefined || node.callFrame.functionName === '(idle)') return;
  if (node.callFrame.functionName === values.callers) {
    const chain = callChain(id, 6);
    chains.set(chain, (chains.get(chain) ?? 0) + micros);
  }
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
if (values.callers !== undefined) show(`call chains into ${values.callers}`, chains, 8);

function callChain(id: number, depth: number): string {
  const frames: string[] = [];
  for (let current = parentOf.get(id); current !== undefined && frames.length < depth; current = parentOf.get(current)) {
    const frame = byId.get(current)?.callFrame;
    if (frame) frames.push(`${frame.functionName || '(anonymous)'} ${place(frame.url)}:${frame.lineNumber + 1}`);
  }
  return `\n          <- ${frames.join('\n          <- ')}`;
}

/** Project files relative to the root, node internals as they are. */
function place(url: string): string {
  if (!url.startsWith('file://')) return url;
  const file = new URL(url).pathname;
  const inModules = file.lastIndexOf('/node_modules/');
  return inModules >= 0 ? file.slice(inModules + 1) : path.relative(PROJECT_ROOT, file);
}
