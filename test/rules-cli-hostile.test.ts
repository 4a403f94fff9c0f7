import { expect } from 'chai';
import { mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { deepRulesetJson, makeDevSecret } from './fixtures/rules/hostile.js';
import { versionJson } from './fixtures/rules/ruleset-builders.js';
import { runRulesCli } from './helpers/rules-cli.js';


/** `npm run rules -- validate ...` with only PATH and the given env. */
const cli = (args: string[], env: Record<string, string> = {}) => runRulesCli(args, { env });

describe('clinical-rules validate on hostile files', function () {
  this.timeout(60_000);
  let dir: string;
  let dataDir: string;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'rules-hostile-cli-'));
    dataDir = await mkdtemp(path.join(tmpdir(), 'rules-hostile-cli-data-'));
    await writeFile(path.join(dir, '1.0.0.json'), versionJson('1.0.0'));
    await symlink('/etc/passwd', path.join(dir, 'passwd.json'));
    await symlink(makeDevSecret(dataDir).file, path.join(dir, 'secret.json'));
    await writeFile(path.join(dir, 'big.json'), `{"name": "${'A'.repeat(50 * 1024 * 1024)}"}`);
    await writeFile(path.join(dir, '2.0.0.json'), deepRulesetJson('2.0.0', 5000));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
    await rm(dataDir, { recursive: true, force: true });
  });

  it('lists links, the oversized file and the deep tree as invalid, leaks nothing, and exits 1', async () => {
    const secret = (await readFile(path.join(dataDir, 'dev-jwt-secret'), 'utf8')).trim();
    const run = await cli(['validate', dir]);
    expect(run.code).to.equal(1);
    expect(run.stderr).to.equal('');
    expect(run.stdout.split('\n')).to.deep.equal([
      `${dir}/1.0.0.json: ok (clinical-recommendations 1.0.0, 3 rules, 11 tests passed)`,
      `${dir}/2.0.0.json: /rules/0/conditions${'/all/0'.repeat(32)}: condition tree is deeper than 32 levels (all / any / not); at most 32 are allowed`,
      `${dir}/big.json: /: file is ${50 * 1024 * 1024 + 12} bytes, over the limit of 1048576 (RULES_MAX_FILE_BYTES); not read`,
      `${dir}/passwd.json: /: is a symbolic link; only regular files are loaded and links are never followed`,
      `${dir}/secret.json: /: is a symbolic link; only regular files are loaded and links are never followed`,
      '5 files: 1 valid, 4 invalid',
      '',
    ]);
    expect(run.stdout).to.not.include('root:');
    expect(run.stdout).to.not.include(secret.slice(0, 10));
  });

  it('refuses a link named directly on the command line, and honours RULES_MAX_FILE_BYTES', async () => {
    const link = await cli(['validate', path.join(dir, 'passwd.json')]);
    expect(link.code).to.equal(1);
    expect(link.stdout).to.not.include('root:');
    const small = await cli(['validate', path.join(dir, '1.0.0.json')], { RULES_MAX_FILE_BYTES: '2048' });
    expect(small.code).to.equal(1);
    expect(small.stdout).to.match(/1\.0\.0\.json: \/: file is \d+ bytes, over the limit of 2048 \(RULES_MAX_FILE_BYTES\); not read/);
    const bad = await cli(['validate', dir], { RULES_MAX_FILE_BYTES: 'lots' });
    expect(bad.code).to.equal(2);
    expect(bad.stderr.split('\n')[0]).to.equal('clinical-rules: RULES_MAX_FILE_BYTES: must be a whole number, got "lots"');
  });
});
