import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { createLogger } from '../core/platform/logger.js';
import { MAX_CONDITION_DEPTH } from '../core/rules/depth-check.js';
import { readRulesetFile } from '../core/rules/file-read.js';
import { checkRulesetBytes } from '../core/rules/ruleset-file.js';
import { createRulesetRegistry, type RulesetRegistry } from '../core/rules/ruleset-registry.js';
import { deepRulesetJson, makeDevSecret } from './fixtures/rules/hostile.js';
import { GERIATRIC, rule, ruleset, versionJson } from './fixtures/rules/ruleset-builders.js';
import { reloaded } from './helpers/ruleset-reload.js';

describe('hostile and broken rule files', function () {
  this.timeout(30_000);
  let dir: string;
  let dataDir: string;
  let registry: RulesetRegistry | undefined;
  const logs: string[] = [];

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'rules-hostile-'));
    dataDir = await mkdtemp(path.join(tmpdir(), 'rules-hostile-data-'));
    logs.length = 0;
  });
  afterEach(async () => {
    await registry?.close();
    registry = undefined;
    await rm(dir, { recursive: true, force: true });
    await rm(dataDir, { recursive: true, force: true });
  });

  async function start(options: { maxFileBytes?: number } = {}): Promise<RulesetRegistry> {
    const stream = new Writable({
      write(chunk: Buffer, _enc, done) {
        logs.push(chunk.toString());
        done();
      },
    });
    registry = createRulesetRegistry({ dir, logger: createLogger('info', { service: 'test', stream }), debounceMs: 100, pollMs: 0, ...options });
    await registry.start();
    return registry;
  }

  const entry = (r: RulesetRegistry, file: string) => r.status().versions.find((v) => v.file === file);

  it('lists a link to /etc/passwd and a link to the development JWT secret as invalid, never showing what they point to', async () => {
    const { file: secretFile, secret } = makeDevSecret(dataDir);
    await writeFile(path.join(dir, '1.0.0.json'), versionJson('1.0.0'));
    await symlink('/etc/passwd', path.join(dir, 'passwd.json'));
    await symlink(secretFile, path.join(dir, 'secret.json'));

    const r = await start();

    for (const name of ['passwd.json', 'secret.json']) {
      expect(entry(r, name)).to.deep.equal({
        file: name,
        version: null,
        hash: null,
        status: 'invalid',
        error: '/: is a symbolic link; only regular files are loaded and links are never followed',
      });
    }
    const shown = JSON.stringify(r.status()) + logs.join('');
    const passwd = await readFile('/etc/passwd', 'utf8');
    expect(shown).to.not.include(passwd.split('\n')[0]);
    expect(shown).to.not.include('root:');
    expect(shown).to.not.include(secret.slice(0, 10));
    expect(r.current().ref.version).to.equal('1.0.0');
  });

  it('lists a file over RULES_MAX_FILE_BYTES as invalid without reading it, and GET /rules stays small', async () => {
    await writeFile(path.join(dir, '1.0.0.json'), versionJson('1.0.0'));
    // 50 MB that would be a valid-looking document if anyone parsed it.
    const big = `{"name": "${'A'.repeat(50 * 1024 * 1024)}"}`;
    await writeFile(path.join(dir, '9.0.0.json'), big);

    const r = await start();

    expect(entry(r, '9.0.0.json')?.error).to.equal(`/: file is ${Buffer.byteLength(big)} bytes, over the limit of 1048576 (RULES_MAX_FILE_BYTES); not read`);
    expect(Buffer.byteLength(JSON.stringify(r.status()))).to.be.lessThan(16 * 1024);
  });

  it('reads a file whose size is exactly the limit, and rejects one byte more', async () => {
    const content = versionJson('1.0.0');
    const file = path.join(dir, '1.0.0.json');
    await writeFile(file, content);
    const size = Buffer.byteLength(content);
    expect((await readRulesetFile(file, size)).kind).to.equal('bytes');
    expect(await readRulesetFile(file, size - 1)).to.deep.equal({
      kind: 'rejected',
      message: `file is ${size} bytes, over the limit of ${size - 1} (RULES_MAX_FILE_BYTES); not read`,
    });
  });

  it('lists a FIFO as invalid without blocking on it', async () => {
    await writeFile(path.join(dir, '1.0.0.json'), versionJson('1.0.0'));
    execFileSync('mkfifo', [path.join(dir, 'pipe.json')]);
    const r = await start();
    expect(entry(r, 'pipe.json')?.error).to.equal('/: is not a regular file; only regular files are loaded');
  });

  it('rejects a 5,000-deep condition tree and still activates a new valid version written beside it', async () => {
    await writeFile(path.join(dir, '1.0.0.json'), versionJson('1.0.0'));
    await writeFile(path.join(dir, '2.0.0.json'), deepRulesetJson('2.0.0', 5000));
    const r = await start();
    expect(r.current().ref.version).to.equal('1.0.0');
    expect(r.status().last_reload).to.include({ ok: false });
    const deep = entry(r, '2.0.0.json');
    expect(deep).to.include({ status: 'invalid', version: '2.0.0' });
    expect(deep?.error).to.equal(
      `/rules/0/conditions${'/all/0'.repeat(MAX_CONDITION_DEPTH)}: condition tree is deeper than 32 levels (all / any / not); at most 32 are allowed`,
    );

    const activated = reloaded(r, (o) => o.activeVersion === '1.1.0');
    await writeFile(path.join(dir, '1.1.0.json'), versionJson('1.1.0', [GERIATRIC]));
    await activated;
    expect(r.current().ref.version).to.equal('1.1.0');
    expect(entry(r, '2.0.0.json')?.status).to.equal('invalid');
  });

  it('accepts a condition tree exactly 32 levels deep and rejects 33', async () => {
    const at32 = await checkRulesetBytes(Buffer.from(deepRulesetJson('1.0.0', 32)), 'x.json');
    expect(at32.problems).to.deep.equal([]);
    expect(at32.compiled).to.not.equal(undefined);
    const at33 = await checkRulesetBytes(Buffer.from(deepRulesetJson('1.0.0', 33)), 'x.json');
    expect(at33.problems.map((p) => p.message)).to.deep.equal(['condition tree is deeper than 32 levels (all / any / not); at most 32 are allowed']);
  });

  it('counts not and any levels too, and rejects deep nesting outside conditions before anything recursive runs', async () => {
    let node: unknown = { fact: 'age', operator: 'greaterThan', value: 1 };
    for (let i = 1; i < 40; i++) node = i % 2 === 0 ? { not: node } : { any: [node] };
    const mixed = await checkRulesetBytes(Buffer.from(JSON.stringify(ruleset([rule('mixed', node)]))), 'x.json');
    expect(mixed.problems.map((p) => p.message)).to.deep.equal(['condition tree is deeper than 32 levels (all / any / not); at most 32 are allowed']);

    // JSON.stringify itself would overflow on an object this deep: the text is built by hand.
    const deep = await checkRulesetBytes(Buffer.from(deepParamsText(100_000)), 'x.json');
    expect(deep.compiled).to.equal(undefined);
    expect(deep.problems.map((p) => p.message)).to.deep.equal(['nested deeper than 100 levels; a ruleset file never needs that']);
  });

  it('reports JSON syntax errors of a million-deep file by line and column, without overflowing', async () => {
    const result = await checkRulesetBytes(Buffer.from(`${'['.repeat(1_000_000)}x`), 'x.json');
    expect(result.problems.map((p) => p.message)).to.deep.equal([
      'invalid JSON at line 1 column 1000001: expected a value: an object, array, string, number, true, false or null',
    ]);
    const parsedDeep = await checkRulesetBytes(Buffer.from(`${'['.repeat(500_000)}${']'.repeat(500_000)}`), 'x.json');
    expect(parsedDeep.problems.map((p) => p.message)).to.deep.equal(['nested deeper than 100 levels; a ruleset file never needs that']);
  });

  it('never quotes file content in any error: syntax, schema, semantics, test failures', async () => {
    // Values only: pointers name the keys on the way (DESIGN.md allows that), so no key carries the canary.
    const canary = 'CANARYc4n4ry';
    const files: Record<string, string> = {
      '1.0.0.json': versionJson('1.0.0'),
      'syntax.json': `{"name": "x", "version": ${canary}}`,
      'syntax-string.json': `{"name": "${canary}\\q"}`,
      'secret-like.json': `${canary}0123456789abcdef\n`,
      'schema.json': JSON.stringify({ name: `${canary} x`, version: `${canary}`, description: 5, rules: [{ id: `${canary}`, priority: `${canary}`, conditions: { all: [{ fact: 'age', operator: 'equal', value: { unknown_key: canary } }] }, recommendation: { code: canary, title: '' } }] }),
      'semantic.json': JSON.stringify(
        ruleset(
          [
            rule('a', { all: [{ fact: `${canary}fact`, operator: `${canary}op`, value: canary, path: canary, params: { canary } }] }, 'DUP'),
            rule('a', { all: [{ fact: 'age', operator: 'greaterThan', value: canary }] }, 'DUP'),
            rule('b', { all: [{ fact: 'age', operator: 'in', value: canary }] }, 'CANARY_CODE'),
          ],
          { version: '3.0.0', tests: [{ name: canary, patient: { age: 40, observations: { undeclared: canary } }, expect: ['CANARYC4N4RY'] }] },
        ),
      ),
      'failing.json': JSON.stringify(
        ruleset([rule('canary-rule', { all: [{ fact: 'age', operator: 'greaterThan', value: 60 }] }, 'CANARY_FIRES')], {
          version: '4.0.0',
          tests: [{ name: `${canary} test name`, patient: { age: 70 }, expect: [] }, { name: canary, patient: { age: 20 }, expect: ['CANARY_FIRES'] }],
        }),
      ),
    };
    for (const [name, content] of Object.entries(files)) await writeFile(path.join(dir, name), content);

    const r = await start();
    const shown = JSON.stringify(r.status()) + logs.join('');
    const at = shown.toLowerCase().indexOf('canary');
    expect(at, shown.slice(Math.max(0, at - 300), at + 100)).to.equal(-1);
    expect(entry(r, 'failing.json')?.error).to.equal(
      '/tests/0: test failed: fired but not expected: /rules/0/recommendation/code; /tests/1: test failed: expected but did not fire: /tests/1/expect/0',
    );
    expect(entry(r, 'syntax.json')?.error).to.equal('/: invalid JSON at line 1 column 26: expected a value: an object, array, string, number, true, false or null');
    expect(entry(r, 'secret-like.json')?.error).to.equal('/: invalid JSON at line 1 column 1: expected a value: an object, array, string, number, true, false or null');
    for (const name of Object.keys(files).filter((f) => f !== '1.0.0.json')) expect(entry(r, name)?.status, name).to.equal('invalid');
  });

  it('keeps GET /rules under 1 MiB with hundreds of hostile files on disk', async () => {
    await writeFile(path.join(dir, '1.0.0.json'), versionJson('1.0.0'));
    const manyProblems = JSON.stringify({ name: 'x', version: '1.0.0', rules: Array.from({ length: 100 }, () => ({ id: 'UPPER', priority: 0 })) });
    const longKey = JSON.stringify({ ['k'.repeat(200_000)]: 1 });
    for (let i = 0; i < 300; i++) {
      const name = `${String(i).padStart(3, '0')}-${'n'.repeat(200)}.json`;
      await writeFile(path.join(dir, name), i % 2 === 0 ? manyProblems : longKey);
    }
    const r = await start();
    const status = r.status();
    expect(Buffer.byteLength(JSON.stringify(status))).to.be.lessThan(1024 * 1024);
    expect(status.versions).to.have.length(100);
    expect(status.versions_omitted).to.equal(201);
    expect(status.versions.some((v) => v.status === 'active')).to.equal(true);
    expect(r.current().ref.version).to.equal('1.0.0');
  });

  it('is not re-reported on every rescan when an unread file has not changed', async () => {
    await writeFile(path.join(dir, '1.0.0.json'), versionJson('1.0.0'));
    await symlink('/etc/passwd', path.join(dir, 'passwd.json'));
    const r = await start();
    const before = logs.filter((l) => l.includes('ruleset rejected')).length;
    await r.reload();
    await r.reload();
    expect(logs.filter((l) => l.includes('ruleset rejected')).length).to.equal(before);
    expect(before).to.equal(1);
  });

  it('fails to start, naming the file, when the only file is a link', async () => {
    await mkdir(path.join(dataDir, 'real'));
    await writeFile(path.join(dataDir, 'real', '1.0.0.json'), versionJson('1.0.0'));
    await symlink(path.join(dataDir, 'real', '1.0.0.json'), path.join(dir, '1.0.0.json'));
    const error = await start().then(
      () => undefined,
      (err: unknown) => err as Error,
    );
    expect(error?.message).to.contain('1.0.0.json: /: is a symbolic link; only regular files are loaded and links are never followed');
  });
});

function deepParamsText(levels: number): string {
  return `{"name":"x","version":"1.0.0","rules":[{"id":"a","priority":1,"conditions":{"all":[{"fact":"age","operator":"greaterThan","value":1,"params":${'{"p":'.repeat(levels)}{}${'}'.repeat(levels)}}]},"recommendation":{"code":"A","title":"A"}}]}`;
}
