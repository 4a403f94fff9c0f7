import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import supertest from 'supertest';
import { signToken } from '../../core/auth/sign-token.js';
import { silentLogger } from '../../core/platform/logger.js';
import { PROJECT_ROOT } from '../../core/platform/paths.js';
import type { QueueDepth } from '../../core/queue/queue.js';
import { createBullmqPublisher } from '../../core/queue/queue-bullmq.js';
import { closeRedisClient, createRedisClient } from '../../core/platform/redis-client.js';
import { openMongoStore } from '../../core/store/store-mongo.js';
import { openSqliteStore } from '../../core/store/store-sqlite.js';
import type { RecommendationStore } from '../../core/store/store.js';
import { ALL_SCOPES, dropTestDatabase, TEST_SECRET, testMongoUri } from './api-service.js';

/**
 * The production topology that can run here: the API and the worker as two
 * real processes (`npm run start:api` / `npm run start:worker` minus npm, so
 * signals reach node itself) sharing one SQLite file and one real Redis; with
 * MONGODB_URI set in the test environment, one MongoDB database of their own
 * instead of the SQLite file (the production shape).
 * Tests learn what the processes do from their JSON log lines, over HTTP,
 * and by reading the shared store.
 */
export type LogLine = Record<string, unknown> & { message?: string; level?: string };
export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}
type Kind = 'api' | 'worker';
type Env = Record<string, string>;

export interface ServiceProcess {
  kind: Kind;
  pid: number;
  port: number;
  url: string;
  http: ReturnType<typeof supertest>;
  /** Every stdout line so far: JSON parsed, anything else as `{ raw }`. */
  logs: LogLine[];
  stderr(): string;
  /** Resolves with the first line, past or future, that matches. */
  waitForLog(predicate: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  signal(sig: NodeJS.Signals): void;
  exited: Promise<Exit>;
}

const ENTRY: Record<Kind, { file: string; ready: string }> = {
  api: { file: 'api/main.ts', ready: 'api listening' },
  worker: { file: 'worker/main.ts', ready: 'worker started' },
};
const START_TIMEOUT_MS = 15_000;
const JWT = { secret: TEST_SECRET, algorithm: 'HS256' as const, audience: 'clinical-recommendations' };

/** A test run that dies must not leave service processes behind. */
const alive = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of alive) child.kill('SIGKILL');
});

export async function spawnService(kind: Kind, env: Env): Promise<ServiceProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', ENTRY[kind].file], {
    cwd: PROJECT_ROOT,
    // Only what the service needs: an inherited MONGODB_URI or REDIS_URL must not pick other adapters.
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? os.tmpdir(), TMPDIR: os.tmpdir(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  alive.add(child);
  // 'close', not 'exit': by then every line the process wrote has been read.
  const exited = new Promise<Exit>((resolve) =>
    child.once('close', (code, signal) => {
      alive.delete(child);
      resolve({ code, signal });
    }),
  );
  const logs: LogLine[] = [];
  const watchers = new Set<(line: LogLine) => void>();
  createInterface({ input: child.stdout! }).on('line', (text) => {
    const line = parseLine(text);
    logs.push(line);
    for (const watch of watchers) watch(line);
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));

  const describe = () => `${kind} (pid ${child.pid})\n  last log lines:\n    ${logs.slice(-15).map((l) => JSON.stringify(l)).join('\n    ')}\n  stderr: ${stderr.slice(-2000)}`;
  const waitForLog = (predicate: (line: LogLine) => boolean, timeoutMs = 10_000) =>
    new Promise<LogLine>((resolve, reject) => {
      const seen = logs.find(predicate);
      if (seen) return resolve(seen);
      const done = (error?: Error, line?: LogLine) => {
        clearTimeout(timer);
        watchers.delete(watch);
        if (error) reject(error);
        else resolve(line as LogLine);
      };
      const watch = (line: LogLine) => predicate(line) && done(undefined, line);
      const timer = setTimeout(() => done(new Error(`no matching log line within ${timeoutMs} ms from ${describe()}`)), timeoutMs);
      watchers.add(watch);
      // A process that exits can log nothing more: fail now, with what it said.
      void exited.then((exit) => {
        if (watchers.has(watch)) done(new Error(`exited (${JSON.stringify(exit)}) before the awaited log line: ${describe()}`));
      });
    });

  const ready = await waitForLog((l) => l.message === ENTRY[kind].ready, START_TIMEOUT_MS).catch((err: unknown) => {
    child.kill('SIGKILL');
    throw err;
  });
  const port = ready.port as number;
  const url = `http://127.0.0.1:${port}`;
  return {
    kind,
    pid: child.pid as number,
    port,
    url,
    http: supertest(url),
    logs,
    stderr: () => stderr,
    waitForLog,
    signal: (sig) => void child.kill(sig),
    exited,
  };
}

function parseLine(text: string): LogLine {
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as LogLine;
  } catch {
    // not JSON: kept raw below
  }
  return { raw: text };
}

/** Settings that keep recovery quick: a dead worker's job is retried within seconds. */
const FAST_DEFAULTS: Env = { WORKER_LOCK_DURATION_MS: '2000', NOTIFY_DELAY_MS: '0' };

/**
 * One scenario: its own DATA_DIR, the Redis it is given, the processes it
 * starts (all SIGKILLed by `dispose`), and a connection of its own to the
 * shared SQLite file (WAL lets the three processes share it).
 */
export class Topology {
  private readonly started: ServiceProcess[] = [];
  private openedStore: RecommendationStore | undefined;

  private constructor(
    readonly dataDir: string,
    private readonly redisUrl: string,
    /** The scenario's MongoDB database when the test run has MONGODB_URI; else the store is SQLite in dataDir. */
    readonly mongodbUri: string | undefined,
  ) {}

  static async create(redisUrl: string): Promise<Topology> {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'clinical-topology-'));
    const top = new Topology(dataDir, redisUrl, testMongoUri(dataDir));
    // MongoDB opens asynchronously: open it now, so store() stays synchronous.
    if (top.mongodbUri) top.openedStore = await openMongoStore(top.mongodbUri);
    return top;
  }

  env(overrides: Env = {}): Env {
    return {
      PORT: '0',
      DATA_DIR: this.dataDir,
      RULES_DIR: path.join(PROJECT_ROOT, 'rules'),
      REDIS_URL: this.redisUrl,
      ...(this.mongodbUri ? { MONGODB_URI: this.mongodbUri } : {}),
      JWT_SECRET: TEST_SECRET,
      // The worker reports each finished event at debug level; tests await that line.
      LOG_LEVEL: 'debug',
      ...FAST_DEFAULTS,
      ...overrides,
    };
  }

  async api(overrides: Env = {}): Promise<ServiceProcess> {
    return this.track(await spawnService('api', this.env(overrides)));
  }

  async worker(overrides: Env = {}): Promise<ServiceProcess> {
    return this.track(await spawnService('worker', this.env(overrides)));
  }

  /** The shared store (SQLite file or MongoDB database), opened by the test itself. */
  store(): RecommendationStore {
    return (this.openedStore ??= openSqliteStore({ dataDir: this.dataDir }));
  }

  token(scopes = ALL_SCOPES, subject = 'topology-client'): string {
    return signToken(JWT, { scopes, subject, expiresInSeconds: 600 });
  }

  /** Every process's log lines, for assertions that span both. */
  allLogs(): LogLine[] {
    return this.started.flatMap((p) => p.logs);
  }

  async dispose(): Promise<void> {
    await Promise.all(
      this.started.map(async (p) => {
        p.signal('SIGKILL');
        await p.exited;
      }),
    );
    await this.openedStore?.close();
    await rm(this.dataDir, { recursive: true, force: true });
    if (this.mongodbUri) await dropTestDatabase(this.mongodbUri);
  }

  private track(p: ServiceProcess): ServiceProcess {
    this.started.push(p);
    return p;
  }
}

/** A fresh Topology per test, torn down (processes killed) after it. */
export function useTopology(redisUrl: () => string): () => Topology {
  let current: Topology | undefined;
  beforeEach(async () => {
    current = await Topology.create(redisUrl());
  });
  afterEach(async () => {
    await current?.dispose();
    current = undefined;
  });
  return () => {
    if (!current) throw new Error('useTopology(): no topology outside a test');
    return current;
  };
}

/** The worker's line after all three tasks (audit, notification, report) of one event. */
export function processed(worker: ServiceProcess, recommendationId: string, timeoutMs = 10_000): Promise<LogLine> {
  return worker.waitForLog((l) => l.message === 'recommendation event processed' && l.recommendation_id === recommendationId, timeoutMs);
}

/** The API relay's line once the event of a recommendation is in Redis. */
export function published(api: ServiceProcess, recommendationId: string, timeoutMs = 10_000): Promise<LogLine> {
  return api.waitForLog((l) => l.message === 'event published' && l.recommendation_id === recommendationId, timeoutMs);
}

/**
 * Bounded polling, only for states no process announces (e.g. "the worker
 * is inside a job": it logs nothing between taking a job and delivering).
 */
export async function until(condition: () => Promise<boolean>, what: string, timeoutMs = 5000, everyMs = 20): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/** POST /evaluate to a process with a token that may do everything. */
export function evaluate(top: Topology, api: ServiceProcess, body: Record<string, unknown>, headers: Record<string, string> = {}) {
  return api.http.post('/evaluate').set('Authorization', `Bearer ${top.token()}`).set(headers).send(body);
}

/** GET /recommendation/{id} from a process. */
export function readRecommendation(top: Topology, api: ServiceProcess, id: string) {
  return api.http.get(`/recommendation/${id}`).set('Authorization', `Bearer ${top.token()}`);
}

/** Jobs of the default queue by state, read through the project's own BullMQ adapter. */
export async function queueDepth(redisUrl: string): Promise<QueueDepth> {
  const client = createRedisClient({ url: redisUrl, logger: silentLogger, name: 'topology-test' });
  const publisher = createBullmqPublisher({ client, logger: silentLogger });
  try {
    return await publisher.queueDepth();
  } finally {
    await publisher.close();
    await closeRedisClient(client);
  }
}
