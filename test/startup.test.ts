import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { PROJECT_ROOT } from '../core/platform/paths.js';
import { TEST_SECRET } from './helpers/api-service.js';

describe('starting the API', function () {
  this.timeout(20_000);

  it('refuses to start, exit code 1, naming each rejected file when no ruleset is valid', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'clinical-startup-'));
    try {
      const rulesDir = path.join(dir, 'rules');
      await mkdir(rulesDir);
      await writeFile(path.join(rulesDir, '1.0.0.json'), '{ "name": "clinical-recommendations", "version": "1.0.0", "rules": [ }');
      const { code, stderr } = await runToExit('api/main.ts', { PORT: '0', DATA_DIR: dir, RULES_DIR: rulesDir });

      expect(code).to.equal(1);
      expect(stderr).to.contain('api failed to start');
      expect(stderr).to.contain('1.0.0.json');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

/** Runs a module (relative to the project) as its own process until it exits; its stderr is kept. */
async function runToExit(module: string, env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', module], {
    cwd: PROJECT_ROOT,
    env: { PATH: process.env.PATH ?? '', JWT_SECRET: TEST_SECRET, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  return { code, stderr };
}
