// A short targeted probe, not part of `npm run bench`: POST /evaluate at 10
// connections against a service whose only ruleset is a generated one.
// Usage: npx tsx bench/rules-http-probe.ts [banded|dense|shipped] [rules=10000]
// PROBE_NODE_FLAGS="--cpu-prof --cpu-prof-dir=/tmp/prof" passes node flags to the service only.
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { PROJECT_ROOT } from '../core/platform/paths.js';
import { generatedRuleset } from './generated-ruleset.js';
import { patientSource } from './patients.js';
import { startProbeService } from './probe-service.js';

const kind = process.argv[2] ?? 'banded';
const count = Number(process.argv[3] ?? 10_000);
const text =
  kind === 'shipped'
    ? await readFile(path.join(PROJECT_ROOT, 'rules', '1.0.0.json'), 'utf8')
    : JSON.stringify(generatedRuleset(count, '1.0.0', kind === 'dense' ? 'dense' : 'banded'));
const service = await startProbeService(text, { withWorker: true });

try {
  console.log(`${kind}: ${kind === 'shipped' ? 3 : count} rules, file ${(text.length / 1e6).toFixed(1)} MB, ready after ${service.readyAfterMs} ms, RSS ${(await service.rssMb()).toFixed(0)} MB`);
  const token = service.token(['recommendations:write']);
  const patients = patientSource(500, 3);
  const requests = Array.from({ length: 1000 }, () => {
    // Generated rulesets declare other observations than the bench's patients carry.
    const { observations: _ignored, ...patient } = patients.next();
    return { method: 'POST' as const, path: '/evaluate', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(patient) };
  });
  let peak = 0;
  const sampler = setInterval(() => void service.rssMb().then((mb) => (peak = Math.max(peak, mb))), 250);
  for (const [label, duration] of [['warm-up', 3], ['measured', 10]] as const) {
    const result = await autocannon({ url: service.base, connections: 10, duration, requests });
    console.log(`${label}: ${result.requests.average.toFixed(0)} req/s, p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, max ${result.latency.max} ms, non2xx ${result.non2xx}, errors ${result.errors}`);
  }
  clearInterval(sampler);
  console.log(`API RSS after ${(await service.rssMb()).toFixed(0)} MB, peak ${peak.toFixed(0)} MB; load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
} finally {
  await service.stop();
}
