// A short targeted probe, not part of `npm run bench`: POST /evaluate at 10
// connections against a service whose only ruleset is a generated one.
// Usage: npx tsx bench/rules-http-probe.ts [banded|dense|shipped] [rules=10000]
// PROBE_NODE_FLAGS="--cpu-prof --cpu-prof-dir=/tmp/prof" passes node flags to the service only.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { signToken } from '../core/auth/sign-token.js';
import { PROJECT_ROOT } from '../core/platform/paths.js';
import { generatedRuleset } from './generated-ruleset.js';
import { SERVICE_NODE_FLAGS } from './service-node-flags.js';
import { patientSource } from './patients.js';

const kind = process.argv[2] ?? 'banded';
const count = Number(process.argv[3] ?? 10_000);
const rulesDir = await mkdtemp(path.join(os.tmpdir(), 'probe-rules-'));
const dataDir = await mkdtemp(path.join(os.tmpdir(), 'probe-data-'));
const text =
  kind === 'shipped'
    ? await readFile(path.join(PROJECT_ROOT, 'rules', '1.0.0.json'), 'utf8')
    : JSON.stringify(generatedRuleset(count, '1.0.0', kind === 'dense' ? 'dense' : 'banded'));
await writeFile(path.join(rulesDir, '1.0.0.json'), text);

const port = 39_000 + Math.floor(Math.random() * 1000);
const secret = 'probe-secret-that-is-at-least-32-bytes-long';
const child = spawn(process.execPath, [...SERVICE_NODE_FLAGS, ...(process.env.PROBE_NODE_FLAGS ?? '').split(' ').filter(Boolean), '--import', 'tsx', 'api/main.ts', '--with-worker'], {
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
const rssMb = async () => Number(/VmRSS:\s+(\d+)/.exec(await readFile(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

try {
  const started = Date.now();
  while (!(await fetch(`http://127.0.0.1:${port}/health/ready`).then((r) => r.ok, () => false))) {
    if (Date.now() - started > 60_000) throw new Error('the service was not ready within 60 s');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  console.log(`${kind}: ${kind === 'shipped' ? 3 : count} rules, file ${(text.length / 1e6).toFixed(1)} MB, ready after ${Date.now() - started} ms, RSS ${(await rssMb()).toFixed(0)} MB`);
  const token = signToken({ algorithm: 'HS256', secret, audience: 'clinical-recommendations' }, { scopes: ['recommendations:write'], subject: 'probe', expiresInSeconds: 600 });
  const patients = patientSource(500, 3);
  const requests = Array.from({ length: 1000 }, () => {
    // Generated rulesets declare other observations than the bench's patients carry.
    const { observations: _ignored, ...patient } = patients.next();
    return { method: 'POST' as const, path: '/evaluate', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(patient) };
  });
  let peak = 0;
  const sampler = setInterval(() => void rssMb().then((mb) => (peak = Math.max(peak, mb))), 250);
  for (const [label, duration] of [['warm-up', 3], ['measured', 10]] as const) {
    const result = await autocannon({ url: `http://127.0.0.1:${port}`, connections: 10, duration, requests });
    console.log(`${label}: ${result.requests.average.toFixed(0)} req/s, p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, max ${result.latency.max} ms, non2xx ${result.non2xx}, errors ${result.errors}`);
  }
  clearInterval(sampler);
  console.log(`API RSS after ${(await rssMb()).toFixed(0)} MB, peak ${peak.toFixed(0)} MB; load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
} finally {
  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
  await rm(rulesDir, { recursive: true, force: true });
  await rm(dataDir, { recursive: true, force: true });
}
