import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from '../core/platform/paths.js';
import { freePort, spawnChild, startRedis, waitForHttp, type Child } from './processes.js';
import { SERVICE_NODE_FLAGS } from './service-node-flags.js';

/** What the benchmark drives: the service (embedded, or API + worker on Redis) and the ceiling app. */
export interface Stack {
  apiUrl: string;
  ceilingUrl: string;
  /** The API process, whose RSS the memory phase reads and whose CPU time every scenario reads. */
  api: Child;
  /** With --redis: the worker process, whose CPU time is reported apart from the API's. */
  worker?: Child;
  /** The bare express app, whose CPU time per request is the ceiling's. */
  ceiling: Child;
  /** The service's RULES_DIR: a temp copy of rules/, so a hot reload can be staged without touching the repo. */
  rulesDir: string;
  jwtSecret: string;
  stop(): Promise<void>;
}

export interface StackOptions {
  redis: boolean;
  /** Node flags for the API and worker processes (`--node-flag`); none by default, as `npm start` runs them. The ceiling never gets them. */
  nodeFlags?: readonly string[];
  /** When set, the API process writes a V8 CPU profile here on exit. */
  cpuProfDir?: string;
}

/** Variables that would change the adapters or the auth under test: the benchmark sets its own. */
const SCRUBBED = ['MONGODB_URI', 'REDIS_URL', 'JWT_PUBLIC_KEY', 'JWT_ISSUER', 'JWT_AUDIENCE', 'JWT_SECRET', 'PORT', 'LOG_LEVEL', 'RATE_LIMIT_PER_MINUTE'];
/**
 * The bench is one token subject at thousands of requests a second: the rate
 * limiter runs (its cost, a Redis round trip with --redis, is measured) with
 * a limit the load never reaches.
 */
const BENCH_RATE_LIMIT_PER_MINUTE = '10000000';

export async function startStack(options: StackOptions): Promise<Stack> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'clinical-bench-'));
  const rulesDir = path.join(root, 'rules');
  const dataDir = path.join(root, 'data');
  cpSync(path.join(PROJECT_ROOT, 'rules'), rulesDir, { recursive: true });
  mkdirSync(dataDir);
  const jwtSecret = randomBytes(32).toString('hex');
  const children: Child[] = [];
  let redis: Child | undefined;
  const stop = async () => {
    // API first, so it drains before the worker; Redis last.
    for (const child of children) await child.stop();
    await redis?.stop();
    rmSync(root, { recursive: true, force: true });
  };

  try {
    const base: NodeJS.ProcessEnv = { ...process.env };
    for (const name of SCRUBBED) delete base[name];
    // The service logs at its default level (info), as `npm start` does.
    Object.assign(base, { DATA_DIR: dataDir, RULES_DIR: rulesDir, JWT_SECRET: jwtSecret, RATE_LIMIT_PER_MINUTE: BENCH_RATE_LIMIT_PER_MINUTE });
    if (options.redis) {
      const dir = path.join(root, 'redis');
      mkdirSync(dir);
      const started = await startRedis(dir);
      redis = started.child;
      base.REDIS_URL = started.url;
    }

    const nodeFlags = [...SERVICE_NODE_FLAGS, ...(options.nodeFlags ?? [])];
    const profile = options.cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', options.cpuProfDir] : [];
    const apiPort = await freePort();
    const api = node('api', ['api/main.ts', ...(options.redis ? [] : ['--with-worker'])], { ...base, PORT: String(apiPort) }, [...nodeFlags, ...profile]);
    children.push(api);
    let worker: Child | undefined;
    if (options.redis) {
      const workerPort = await freePort();
      worker = node('worker', ['worker/main.ts'], { ...base, PORT: String(workerPort) }, nodeFlags);
      children.push(worker);
      await waitForHttp(worker, `http://127.0.0.1:${workerPort}/health/ready`);
    }

    const ceilingPort = await freePort();
    const ceiling = node('ceiling', ['bench/ceiling-server.ts', String(ceilingPort)], base);
    children.push(ceiling);

    const apiUrl = `http://127.0.0.1:${apiPort}`;
    const ceilingUrl = `http://127.0.0.1:${ceilingPort}`;
    await waitForHttp(api, `${apiUrl}/health/ready`);
    await waitForHttp(ceiling, `${ceilingUrl}/`);
    return { apiUrl, ceilingUrl, api, ...(worker ? { worker } : {}), ceiling, rulesDir, jwtSecret, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** `node --import tsx <script>` in the project root: the process itself, no npm or tsx wrapper in between. */
function node(name: string, args: string[], env: NodeJS.ProcessEnv, nodeFlags: readonly string[] = []): Child {
  return spawnChild(name, process.execPath, [...nodeFlags, '--import', 'tsx', ...args], env, PROJECT_ROOT);
}
