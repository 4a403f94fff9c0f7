import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pingRedis } from './redis-ping.js';

/**
 * A real Redis for the test suites: `REDIS_URL` when set, otherwise a private
 * `redis-server` on a free port. Without either, suites are skipped with one
 * loud line, unless `REQUIRE_REDIS=1` (CI), where that is a failure.
 */
export interface RedisHandle {
  url(): string;
  /** Kills the private server (outage tests); the port stays reserved for `start`. */
  stop(): Promise<void>;
  /** Starts the private server again on the same port. */
  start(): Promise<void>;
  /** Outage tests call this first: an external `REDIS_URL` cannot be stopped. */
  skipUnlessRestartable(ctx: Mocha.Context): void;
}

const SKIP_LINE = 'Redis suites skipped: install redis-server (apt-get install redis-server) or set REDIS_URL';
let skipAnnounced = false;

/** Registers before/after hooks on the enclosing describe block. */
export function useRedis(): RedisHandle {
  const external = process.env.REDIS_URL;
  let server: LocalRedis | undefined;

  before(async function () {
    if (external) return;
    if (!hasRedisServer()) {
      if (process.env.REQUIRE_REDIS === '1') throw new Error('REQUIRE_REDIS=1, but redis-server is not installed and REDIS_URL is not set');
      if (!skipAnnounced) {
        skipAnnounced = true;
        console.warn(`\n*** ${SKIP_LINE} ***\n`);
      }
      this.skip();
    }
    server = new LocalRedis(await freePort());
    await server.start();
  });

  after(async () => {
    await server?.dispose();
  });

  return {
    url: () => external ?? `redis://127.0.0.1:${required(server).port}`,
    stop: () => required(server).stop(),
    start: () => required(server).start(),
    skipUnlessRestartable(ctx) {
      if (external) ctx.skip();
    },
  };
}

/** Unique per test, so tests never share (or have to wipe) queues and keys. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

function required(server: LocalRedis | undefined): LocalRedis {
  if (!server) throw new Error('useRedis(): no local redis-server is running (REDIS_URL set or suite skipped)');
  return server;
}

function hasRedisServer(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

class LocalRedis {
  private child: ChildProcess | undefined;
  private readonly dir = mkdtempSync(path.join(os.tmpdir(), 'redis-test-'));
  // A crashed test run must not leave a server behind.
  private readonly killOnExit = () => this.child?.kill('SIGKILL');

  constructor(readonly port: number) {
    process.once('exit', this.killOnExit);
  }

  async start(): Promise<void> {
    if (this.child) return;
    const child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', this.dir], {
      stdio: 'ignore',
    });
    this.child = child;
    child.once('exit', () => {
      if (this.child === child) this.child = undefined;
    });
    await waitForPing(this.port, child);
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  async dispose(): Promise<void> {
    await this.stop();
    process.off('exit', this.killOnExit);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Readiness is "answers PING", retried briefly while the server boots. */
async function waitForPing(port: number, child: ChildProcess, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with code ${child.exitCode} on port ${port}`);
    if (await pingRedis(port)) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`redis-server on port ${port} did not answer PING within ${timeoutMs} ms`);
}
