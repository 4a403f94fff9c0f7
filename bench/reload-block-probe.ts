// A short targeted probe, not part of `npm run bench`: how long a hot reload of
// a large ruleset holds up the requests being served. Starts the service with a
// generated ruleset, keeps GET /health/live busy back-to-back on a few
// connections, writes the next version (1.0.1) into RULES_DIR, and reports the
// worst request latency while the reload runs and how long until GET /rules
// shows 1.0.1 active.
// Usage: npx tsx bench/reload-block-probe.ts [rules=10000] [banded|dense]
// PROBE_NODE_FLAGS="--trace-gc" or "--cpu-prof --cpu-prof-dir=/tmp/prof" passes node flags to the service only.
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { signToken } from '../core/auth/sign-token.js';
import { PROJECT_ROOT } from '../core/platform/paths.js';
import { generatedRuleset } from './generated-ruleset.js';
import { percentile } from './percentile.js';
import { SERVICE_NODE_FLAGS } from './service-node-flags.js';

const count = Number(process.argv[2] ?? 10_000);
const shape = process.argv[3] === 'dense' ? 'dense' : 'banded';
const CONNECTIONS = 4;
/** Quiet time measured before the write (the baseline) and after activation (a late GC, a first GET /rules). */
const SETTLE_MS = 1500;

const rulesDir = await mkdtemp(path.join(os.tmpdir(), 'probe-rules-'));
const dataDir = await mkdtemp(path.join(os.tmpdir(), 'probe-data-'));
const rulesetText = (version: string) => JSON.stringify(generatedRuleset(count, version, shape));
await writeFile(path.join(rulesDir, '1.0.0.json'), rulesetText('1.0.0'));
const nextText = rulesetText('1.0.1');

const port = 39_000 + Math.floor(Math.random() * 1000);
const base = `http://127.0.0.1:${port}`;
const secret = 'probe-secret-that-is-at-least-32-bytes-long';
const child = spawn(process.execPath, [...SERVICE_NODE_FLAGS, ...(process.env.PROBE_NODE_FLAGS ?? '').split(' ').filter(Boolean), '--import', 'tsx', 'api/main.ts'], {
  cwd: PROJECT_ROOT,
  env: {
    ...process.env,
    PORT: String(port),
    JWT_SECRET: secret,
    DATA_DIR: dataDir,
    RULES_DIR: rulesDir,
    RULES_MAX_FILE_BYTES: String(16 * 1024 * 1024),
    LOG_LEVEL: 'warn',
    RATE_LIMIT_PER_MINUTE: '0',
  },
  stdio: ['ignore', process.env.PROBE_STDOUT ? 'inherit' : 'ignore', 'inherit'],
});

interface Sample {
  /** performance.now() when the request was sent. */
  at: number;
  ms: number;
}

/** Back-to-back GET /health/live on one connection until `stop()`: each gap the service leaves shows as one slow request. */
function poller(samples: Sample[], running: () => boolean): Promise<void> {
  return (async () => {
    while (running()) {
      const at = performance.now();
      const res = await fetch(`${base}/health/live`);
      await res.arrayBuffer();
      samples.push({ at, ms: performance.now() - at });
    }
  })();
}

async function activeVersion(token: string): Promise<{ version: string | undefined; ms: number }> {
  const at = performance.now();
  const res = await fetch(`${base}/rules`, { headers: { authorization: `Bearer ${token}` } });
  const body = (await res.json()) as { active?: { version?: string } | null };
  return { version: body.active?.version ?? undefined, ms: performance.now() - at };
}

function summary(samples: readonly Sample[]): string {
  const sorted = Float64Array.from(samples.map((s) => s.ms)).sort();
  if (sorted.length === 0) return 'no requests';
  return `${sorted.length} requests, p50 ${percentile(sorted, 0.5).toFixed(1)} ms, p99 ${percentile(sorted, 0.99).toFixed(1)} ms, worst ${(sorted[sorted.length - 1] as number).toFixed(1)} ms`;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

try {
  const started = Date.now();
  while (!(await fetch(`${base}/health/ready`).then((r) => r.ok, () => false))) {
    if (Date.now() - started > 60_000) throw new Error('the service was not ready within 60 s');
    await sleep(200);
  }
  console.log(`${shape}: ${count} rules, file ${(nextText.length / 1e6).toFixed(1)} MB, ready after ${Date.now() - started} ms`);
  const token = signToken({ algorithm: 'HS256', secret, audience: 'clinical-recommendations' }, { scopes: ['rules:read'], subject: 'probe', expiresInSeconds: 600 });
  // The first GET /rules builds the active version's summary once: not part of the reload.
  await activeVersion(token);

  const samples: Sample[] = [];
  let running = true;
  const pollers = Array.from({ length: CONNECTIONS }, () => poller(samples, () => running));
  await sleep(SETTLE_MS);
  const writtenAt = performance.now();
  await writeFile(path.join(rulesDir, '1.0.1.json'), nextText);
  let rulesWorstMs = 0;
  for (;;) {
    const { version, ms } = await activeVersion(token);
    rulesWorstMs = Math.max(rulesWorstMs, ms);
    if (version === '1.0.1') break;
    if (performance.now() - writtenAt > 30_000) throw new Error('1.0.1 was not active within 30 s');
    await sleep(50);
  }
  const activeAt = performance.now();
  await sleep(SETTLE_MS);
  running = false;
  await Promise.all(pollers);

  console.log(`1.0.1 active in GET /rules ${(activeAt - writtenAt).toFixed(0)} ms after the write (watcher debounce included); slowest GET /rules ${rulesWorstMs.toFixed(1)} ms`);
  console.log(`before the write:        ${summary(samples.filter((s) => s.at < writtenAt))}`);
  console.log(`write to active + ${SETTLE_MS / 1000} s: ${summary(samples.filter((s) => s.at >= writtenAt))}`);
  const slowest = [...samples].sort((a, b) => b.ms - a.ms).slice(0, 5);
  console.log(`slowest requests (sent at ms from the write): ${slowest.map((s) => `${s.ms.toFixed(0)} ms at ${(s.at - writtenAt).toFixed(0)}`).join(', ')}`);
} finally {
  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
  await rm(rulesDir, { recursive: true, force: true });
  await rm(dataDir, { recursive: true, force: true });
}
