import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { signToken } from '../core/auth/sign-token.js';
import { PROJECT_ROOT } from '../core/platform/paths.js';
import { SERVICE_NODE_FLAGS } from './service-node-flags.js';

/**
 * The service the targeted probes (rules-http-probe.ts, reload-block-probe.ts)
 * drive: api/main.ts with npm start's node flags on a free-ish port, a
 * private RULES_DIR holding the given ruleset as 1.0.0 and a private
 * DATA_DIR. PROBE_NODE_FLAGS adds node flags (e.g. "--cpu-prof
 * --cpu-prof-dir=/tmp/prof"); PROBE_STDOUT=1 shows the service's stdout.
 */
export interface ProbeService {
  base: string;
  rulesDir: string;
  child: ChildProcess;
  /** After start: how long the service took to be ready. */
  readyAfterMs: number;
  token(scopes: string[]): string;
  rssMb(): Promise<number>;
  stop(): Promise<void>;
}

const SECRET = 'probe-secret-that-is-at-least-32-bytes-long';

export async function startProbeService(rulesetText: string, options: { withWorker: boolean }): Promise<ProbeService> {
  const rulesDir = await mkdtemp(path.join(os.tmpdir(), 'probe-rules-'));
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'probe-data-'));
  await writeFile(path.join(rulesDir, '1.0.0.json'), rulesetText);
  const port = 39_000 + Math.floor(Math.random() * 1000);
  const base = `http://127.0.0.1:${port}`;
  const flags = [...SERVICE_NODE_FLAGS, ...(process.env.PROBE_NODE_FLAGS ?? '').split(' ').filter(Boolean)];
  const child = spawn(process.execPath, [...flags, '--import', 'tsx', 'api/main.ts', ...(options.withWorker ? ['--with-worker'] : [])], {
    cwd: PROJECT_ROOT,
    env: {
      ...process.env,
      PORT: String(port),
      JWT_SECRET: SECRET,
      DATA_DIR: dataDir,
      RULES_DIR: rulesDir,
      RULES_MAX_FILE_BYTES: String(16 * 1024 * 1024),
      LOG_LEVEL: 'warn',
      RATE_LIMIT_PER_MINUTE: '0',
    },
    stdio: ['ignore', process.env.PROBE_STDOUT ? 'inherit' : 'ignore', 'inherit'],
  });
  const stop = async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
    await rm(rulesDir, { recursive: true, force: true });
    await rm(dataDir, { recursive: true, force: true });
  };
  const started = Date.now();
  try {
    while (!(await fetch(`${base}/health/ready`).then((r) => r.ok, () => false))) {
      if (Date.now() - started > 60_000) throw new Error('the service was not ready within 60 s');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    base,
    rulesDir,
    child,
    readyAfterMs: Date.now() - started,
    token: (scopes) => signToken({ algorithm: 'HS256', secret: SECRET, audience: 'clinical-recommendations' }, { scopes, subject: 'probe', expiresInSeconds: 600 }),
    rssMb: async () => Number(/VmRSS:\s+(\d+)/.exec(await readFile(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? 0) / 1024,
    stop,
  };
}
