import { spawn } from 'node:child_process';
import path from 'node:path';
import { PROJECT_ROOT } from '../../core/platform/paths.js';

const BIN = path.join(PROJECT_ROOT, 'bin', 'clinical-rules.js');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * `npm run rules -- ...` as a rule author's CI runs it: the installed launcher,
 * in its own process. With `env`, the child sees only PATH plus that env
 * (no inherited RULES_* settings); without it, the test's own environment.
 */
export function runRulesCli(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd ?? PROJECT_ROOT,
      ...(options.env ? { env: { PATH: process.env.PATH, ...options.env } } : {}),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
