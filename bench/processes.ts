import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import { pingRedis } from '../test/setup/redis-ping.js';
import { median } from './median.js';

/** A process the benchmark started; every one is killed when the benchmark exits, however it exits. */
export interface Child {
  name: string;
  pid: number;
  exited(): boolean;
  /** The last lines it printed, for the error message when it dies. */
  output(): string;
  /** SIGTERM (the service drains, and writes a --cpu-prof profile), SIGKILL after the grace period. */
  stop(graceMs?: number): Promise<void>;
}

const running = new Set<ChildProcess>();
const outputDirs: string[] = [];
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
  for (const dir of outputDirs) rmSync(dir, { recursive: true, force: true });
});

/**
 * Its output goes to a file, not a pipe: at thousands of log lines a second,
 * reading a pipe would cost this process (which also runs the load
 * generator) CPU that the measurement needs. The tail is read on demand.
 */
export function spawnChild(name: string, command: string, args: string[], env: NodeJS.ProcessEnv, cwd: string): Child {
  const outputDir = mkdtempSync(path.join(os.tmpdir(), `bench-${name}-`));
  outputDirs.push(outputDir);
  const logFile = path.join(outputDir, 'output.log');
  const fd = openSync(logFile, 'w');
  const child = spawn(command, args, { cwd, env, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  if (child.pid === undefined) throw new Error(`${name}: could not start ${command}`);
  running.add(child);
  let dead = false;
  let spawnError = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => {
    dead = true;
    running.delete(child);
  });
  child.once('error', (err) => (spawnError = `${name}: ${err.message}`));
  return {
    name,
    pid: child.pid,
    exited: () => dead,
    output: () => [...tailLines(logFile, 40), spawnError].filter(Boolean).join('\n'),
    async stop(graceMs = 10_000) {
      if (dead) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

function tailLines(file: string, count: number): string[] {
  try {
    const text = readFileSync(file, 'utf8');
    return text.split('\n').filter(Boolean).slice(-count);
  } catch {
    return [];
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no free port'))));
    });
  });
}

/** Polls until `ready()` holds; fails early, with the child's last output, when the child dies. */
export async function waitFor(child: Child, what: string, ready: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exited()) throw new Error(`${child.name} exited before ${what}:\n${child.output()}`);
    if (await ready().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${child.name}: no ${what} within ${timeoutMs} ms:\n${child.output()}`);
}

export function waitForHttp(child: Child, url: string, timeoutMs?: number): Promise<void> {
  return waitFor(child, `200 from ${url}`, async () => (await fetch(url)).status === 200, timeoutMs);
}

/** Resident set size of a running process, from /proc (Linux). */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
  if (kb === undefined) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(kb) * 1024;
}

export interface RssSampler {
  /** Median RSS sampled in [from, to] (ms since the epoch): unmoved by the short spikes GC timing causes. */
  medianBetween(from: number, to: number): number;
  maxBetween(from: number, to: number): number;
  stop(): void;
}

export function sampleRss(pid: number, intervalMs = 250): RssSampler {
  const samples: Array<{ at: number; bytes: number }> = [];
  const take = () => {
    try {
      samples.push({ at: Date.now(), bytes: rssBytes(pid) });
    } catch {
      // The process is gone; the caller finds out from Child.exited().
    }
  };
  take();
  const timer = setInterval(take, intervalMs);
  const between = (from: number, to: number) => samples.filter((s) => s.at >= from && s.at <= to).map((s) => s.bytes);
  return {
    medianBetween(from, to) {
      const bytes = between(from, to);
      return bytes.length === 0 ? 0 : median(bytes);
    },
    maxBetween: (from, to) => Math.max(0, ...between(from, to)),
    stop() {
      clearInterval(timer);
      take();
    },
  };
}

/** A private redis-server on a free port (the approach of test/setup/redis.ts), ready once it answers PING. */
export async function startRedis(dir: string): Promise<{ child: Child; url: string }> {
  const port = await freePort();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir];
  const child = spawnChild('redis-server', 'redis-server', args, process.env, dir);
  await waitFor(child, 'PING answer', () => pingRedis(port), 10_000);
  return { child, url: `redis://127.0.0.1:${port}` };
}
