import { expect } from 'chai';
import { mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expectMatchesSpec } from './helpers/openapi-contract.js';
import { startTestService, type TestService } from './helpers/api-service.js';
import { GERIATRIC, versionJson } from './fixtures/rules/ruleset-builders.js';
import { deepRulesetJson, makeDevSecret } from './fixtures/rules/hostile.js';

/** The attacks, seen from outside: what GET /rules shows with hostile files in RULES_DIR. */
describe('GET /rules with hostile files in RULES_DIR', function () {
  this.timeout(30_000);
  let svc: TestService;
  let dir: string;
  let secretDir: string;
  let secret: string;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'api-rules-hostile-'));
    secretDir = await mkdtemp(path.join(tmpdir(), 'api-rules-hostile-data-'));
    const dev = makeDevSecret(secretDir);
    secret = dev.secret;
    await writeFile(path.join(dir, '1.0.0.json'), versionJson('1.0.0'));
    await symlink('/etc/passwd', path.join(dir, 'x.json'));
    await symlink(dev.file, path.join(dir, 'jwt.json'));
    await writeFile(path.join(dir, '8.0.0.json'), `[${'1,'.repeat(25 * 1024 * 1024)}1]`);
    await writeFile(path.join(dir, '9.0.0.json'), deepRulesetJson('9.0.0', 5000));
    svc = await startTestService({ RULES_DIR: dir });
  });
  after(async () => {
    await svc.stop();
    await rm(dir, { recursive: true, force: true });
    await rm(secretDir, { recursive: true, force: true });
  });

  const getRules = () => svc.http.get('/rules').set('Authorization', `Bearer ${svc.token(['rules:read'])}`);

  it('lists every hostile file as invalid in a small body that quotes none of them', async () => {
    const res = await getRules();

    expect(res.status).to.equal(200);
    expectMatchesSpec(res, '/rules', 'get');
    expect(Buffer.byteLength(res.text)).to.be.lessThan(16 * 1024);
    const byFile = new Map((res.body.versions as Array<{ file: string; status: string; error?: string }>).map((v) => [v.file, v]));
    expect(byFile.get('x.json')).to.include({ status: 'invalid', error: '/: is a symbolic link; only regular files are loaded and links are never followed' });
    expect(byFile.get('jwt.json')).to.include({ status: 'invalid', error: '/: is a symbolic link; only regular files are loaded and links are never followed' });
    expect(byFile.get('8.0.0.json')?.error).to.match(/^\/: file is 52428803 bytes, over the limit of 1048576 \(RULES_MAX_FILE_BYTES\); not read$/);
    expect(byFile.get('9.0.0.json')?.error).to.match(/: condition tree is deeper than 32 levels/);
    expect(res.body.last_reload).to.include({ ok: false });
    expect(res.body.active).to.include({ version: '1.0.0' });
    const passwdFirstLine = (await readFile('/etc/passwd', 'utf8')).split('\n')[0] ?? 'root:';
    expect(res.text).to.not.include(passwdFirstLine);
    expect(res.text).to.not.include('root:x:0:0');
    expect(res.text).to.not.include(secret.slice(0, 10));
  });

  it('activates a new valid version written beside them, within the 5 s reload budget', async () => {
    await writeFile(path.join(dir, '1.1.0.json'), versionJson('1.1.0', [GERIATRIC]));
    const deadline = Date.now() + 5000;
    let active = '';
    while (Date.now() < deadline) {
      active = ((await getRules()).body as { active: { version: string } }).active.version;
      if (active === '1.1.0') break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(active).to.equal('1.1.0');
    const res = await svc.http.post('/evaluate').set('Authorization', `Bearer ${svc.token()}`).send({ patient_id: 'hostile-1', age: 90 });
    expect(res.status, res.text).to.equal(201);
    expect(res.body.ruleset.version).to.equal('1.1.0');
  });
});
