import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { mkdtemp, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { createLogger } from '../core/platform/logger.js';
import { toFacts } from '../core/domain/patient-facts.js';
import { createRulesetRegistry, createRulesRecommender, type ReloadOutcome, type RulesetRegistry } from '../core/rules/ruleset-registry.js';
import { FALL_RISK, GERIATRIC, versionJson } from './fixtures/rules/ruleset-builders.js';
import { reloaded } from './helpers/ruleset-reload.js';

const elderly = toFacts({ patient_id: 'p-1', age: 90, chronic_pain: true, bmi: 35 });
const sha256 = (text: string): string => `sha256:${createHash('sha256').update(text).digest('hex')}`;
const badJson = versionJson('1.2.0').replace('"greaterThan"', '"greaterThen"');

interface Harness {
  dir: string;
  registry: RulesetRegistry;
  logs: Array<Record<string, unknown>>;
  outcomes: ReloadOutcome[];
}

/** Saves like an editor that writes a temp file and renames it over the target. */
async function save(dir: string, name: string, content: string): Promise<void> {
  const temp = path.join(dir, `.${name}.tmp`);
  await writeFile(temp, content);
  await rename(temp, path.join(dir, name));
}

describe('ruleset registry', function () {
  this.timeout(15_000);
  const harnesses: Harness[] = [];

  async function startWith(files: Record<string, string>): Promise<Harness> {
    const dir = await mkdtemp(path.join(tmpdir(), 'rules-'));
    for (const [name, content] of Object.entries(files)) await writeFile(path.join(dir, name), content);
    const logs: Array<Record<string, unknown>> = [];
    const stream = new Writable({
      write(chunk: Buffer, _enc, done) {
        logs.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        done();
      },
    });
    const outcomes: ReloadOutcome[] = [];
    const logger = createLogger('info', { service: 'test', stream });
    // No polling: these tests prove that fs.watch alone picks changes up.
    const registry = createRulesetRegistry({ dir, logger, debounceMs: 100, pollMs: 0, onReload: (o) => outcomes.push(o) });
    const harness = { dir, registry, logs, outcomes };
    harnesses.push(harness);
    await registry.start();
    return harness;
  }

  afterEach(async () => {
    for (const h of harnesses.splice(0)) {
      await h.registry.close();
      await rm(h.dir, { recursive: true, force: true });
    }
  });

  it('starts with the highest valid version, whatever the file names', async () => {
    const { registry, outcomes } = await startWith({ 'b.json': versionJson('1.0.0'), 'a.json': versionJson('1.1.0', [GERIATRIC]) });
    expect(registry.current().ref).to.deep.equal({ name: 'clinical-recommendations', version: '1.1.0', hash: sha256(versionJson('1.1.0', [GERIATRIC])) });
    expect(outcomes).to.deep.equal([{ ok: true, activeVersion: '1.1.0' }]);
  });

  it('fails to start, naming every rejected file and why, when no file is valid', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'rules-'));
    await writeFile(path.join(dir, '1.2.0.json'), badJson);
    await writeFile(path.join(dir, 'broken.json'), '{"name": ');
    const registry = createRulesetRegistry({ dir, logger: createLogger('error', { service: 'test', stream: new Writable({ write: (_c, _e, done) => done() }) }), pollMs: 0 });
    try {
      const error = await registry.start().then(() => undefined, (err: unknown) => err as Error);
      expect(error?.message).to.match(/^no valid ruleset in /);
      expect(error?.message).to.contain('1.2.0.json: /rules/1/conditions/all/0/operator: unknown operator; did you mean "greaterThan"?');
      expect(error?.message).to.contain('broken.json: /: invalid JSON at line 1 column 10: expected a value: an object, array, string, number, true, false or null, but the file ends');
      expect(() => registry.current()).to.throw('no valid ruleset is loaded');
    } finally {
      await registry.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('fails to start when the folder does not exist', async () => {
    const registry = createRulesetRegistry({ dir: path.join(tmpdir(), 'no-such-rules-dir-x'), logger: createLogger('error', { service: 'test' }), pollMs: 0 });
    const error = await registry.start().then(() => undefined, (err: unknown) => err as Error);
    expect(error?.message).to.match(/^cannot load rulesets from .*no-such-rules-dir-x: .*ENOENT/);
  });

  it('activates a new version saved into the folder: its new rule fires and decisions carry its version', async () => {
    const { dir, registry, logs, outcomes } = await startWith({ '1.0.0.json': versionJson('1.0.0') });
    const recommender = createRulesRecommender(registry);
    expect((await recommender.recommend(elderly)).recommendations.map((r) => r.code)).to.not.include('ANNUAL_GERIATRIC_ASSESSMENT');

    const activated = reloaded(registry, (o) => o.activeVersion === '1.1.0');
    await save(dir, '1.1.0.json', versionJson('1.1.0', [GERIATRIC]));
    expect(await activated).to.deep.equal({ ok: true, activeVersion: '1.1.0' });

    const decision = await recommender.recommend(elderly);
    expect(decision.ruleset).to.deep.equal({ name: 'clinical-recommendations', version: '1.1.0', hash: sha256(versionJson('1.1.0', [GERIATRIC])) });
    expect(decision.recommendations.find((r) => r.code === 'ANNUAL_GERIATRIC_ASSESSMENT')?.reasons).to.deep.equal(['age 90 >= 85']);
    expect(logs.filter((l) => l.message === 'ruleset activated').map((l) => [l.version, l.file])).to.deep.equal([
      ['1.0.0', '1.0.0.json'],
      ['1.1.0', '1.1.0.json'],
    ]);
    expect(outcomes.at(-1)).to.deep.equal({ ok: true, activeVersion: '1.1.0' });
  });

  it('rejects a bad new version: the last good one keeps serving and status() shows the error', async () => {
    const { dir, registry, logs, outcomes } = await startWith({ '1.1.0.json': versionJson('1.1.0', [GERIATRIC]) });
    const rejected = reloaded(registry, (o) => !o.ok);
    await save(dir, '1.2.0.json', badJson);
    const outcome = await rejected;

    const problem = '/rules/1/conditions/all/0/operator: unknown operator; did you mean "greaterThan"?';
    expect(outcome).to.deep.equal({ ok: false, activeVersion: '1.1.0', error: `1.2.0.json: ${problem}` });
    expect(outcomes.at(-1)).to.deep.equal(outcome);
    expect(registry.current().ref.version).to.equal('1.1.0');
    const status = registry.status();
    expect(status.versions.map((v) => [v.file, v.version, v.status, v.error])).to.deep.equal([
      ['1.2.0.json', '1.2.0', 'invalid', problem],
      ['1.1.0.json', '1.1.0', 'active', undefined],
    ]);
    expect(status.last_reload).to.include({ ok: false, error: `1.2.0.json: ${problem}` });
    expect(logs.find((l) => l.message === 'ruleset rejected')).to.deep.include({ level: 'error', file: '1.2.0.json', errors: [`1.2.0.json: ${problem}`] });
  });

  it('falls back to the next highest valid version when the newest file is deleted', async () => {
    const { dir, registry } = await startWith({ '1.0.0.json': versionJson('1.0.0'), '1.1.0.json': versionJson('1.1.0', [GERIATRIC]) });
    const fellBack = reloaded(registry, (o) => o.activeVersion === '1.0.0');
    await unlink(path.join(dir, '1.1.0.json'));
    expect(await fellBack).to.deep.equal({ ok: true, activeVersion: '1.0.0' });
    expect(registry.current().ref.version).to.equal('1.0.0');
    expect(registry.status().versions.map((v) => v.file)).to.deep.equal(['1.0.0.json']);
  });

  it('keeps the last good rules when the active file is edited into a bad one, then takes the fix', async () => {
    const good = versionJson('1.1.0', [GERIATRIC]);
    const { dir, registry } = await startWith({ '1.0.0.json': versionJson('1.0.0'), '1.1.0.json': good });

    const rejected = reloaded(registry, (o) => !o.ok);
    await save(dir, '1.1.0.json', good.replace('"greaterThanInclusive"', '"greaterThanOrEqual"'));
    expect(await rejected).to.include({ ok: false, activeVersion: '1.1.0' });
    expect(registry.current().ref).to.include({ version: '1.1.0', hash: sha256(good) });
    const entry = registry.status().versions.find((v) => v.file === '1.1.0.json');
    expect(entry?.status).to.equal('invalid');
    expect(entry?.error).to.match(/^\/rules\/3\/conditions\/all\/0\/operator: unknown operator \(known: /);

    const fixed = versionJson('1.1.0', [FALL_RISK]);
    const recovered = reloaded(registry, (o) => o.ok);
    await save(dir, '1.1.0.json', fixed);
    expect(await recovered).to.deep.equal({ ok: true, activeVersion: '1.1.0' });
    expect(registry.current().ref.hash).to.equal(sha256(fixed));
  });

  it('never serves a half-written file, and takes it once complete', async () => {
    const { dir, registry } = await startWith({ '1.0.0.json': versionJson('1.0.0') });
    const content = versionJson('1.1.0', [GERIATRIC]);
    const half = reloaded(registry, (o) => !o.ok);
    await writeFile(path.join(dir, '1.1.0.json'), content.slice(0, content.length / 2));
    expect(await half).to.include({ ok: false, activeVersion: '1.0.0' });

    const whole = reloaded(registry, (o) => o.activeVersion === '1.1.0');
    await writeFile(path.join(dir, '1.1.0.json'), content.slice(content.length / 2), { flag: 'a' });
    expect(await whole).to.deep.equal({ ok: true, activeVersion: '1.1.0' });
  });

  it('rejects a second file claiming the active version with other content, and keeps serving', async () => {
    const { dir, registry } = await startWith({ '1.1.0.json': versionJson('1.1.0', [GERIATRIC]) });
    const rejected = reloaded(registry, (o) => !o.ok);
    await save(dir, 'copy.json', versionJson('1.1.0', [FALL_RISK]));
    const outcome = await rejected;
    expect(outcome.error).to.contain('copy.json: /version: this version is also declared by 1.1.0.json with different content');
    expect(registry.current().ref.hash).to.equal(sha256(versionJson('1.1.0', [GERIATRIC])));
    expect(registry.status().versions.map((v) => [v.file, v.status])).to.deep.equal([
      ['1.1.0.json', 'invalid'],
      ['copy.json', 'invalid'],
    ]);
  });

  it('reloads under concurrent evaluations with zero failures, each decision wholly one version', async () => {
    const expected: Record<string, string[]> = {
      '1.0.0': ['PHYSICAL_THERAPY', 'WEIGHT_MANAGEMENT_PROGRAM'],
      '1.1.0': ['ANNUAL_GERIATRIC_ASSESSMENT', 'PHYSICAL_THERAPY', 'WEIGHT_MANAGEMENT_PROGRAM'],
      '1.2.0': ['ANNUAL_GERIATRIC_ASSESSMENT', 'PHYSICAL_THERAPY', 'FALL_PREVENTION', 'WEIGHT_MANAGEMENT_PROGRAM'],
    };
    const { dir, registry } = await startWith({ '1.0.0.json': versionJson('1.0.0') });
    const recommender = createRulesRecommender(registry);
    let stop = false;
    let failures = 0;
    let evaluations = 0;
    const seen = new Set<string>();
    const load = (async () => {
      while (!stop) {
        const batch = await Promise.allSettled(Array.from({ length: 20 }, () => recommender.recommend(elderly)));
        for (const result of batch) {
          evaluations++;
          if (result.status === 'rejected') failures++;
          else {
            seen.add(result.value.ruleset.version);
            const codes = result.value.recommendations.map((r) => r.code).sort();
            if (JSON.stringify(codes) !== JSON.stringify(expected[result.value.ruleset.version]?.sort())) failures++;
          }
        }
        // Let timers and file events in between batches, as a server's event loop would.
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();

    const steps: Array<[() => Promise<void>, string]> = [
      [() => save(dir, '1.1.0.json', versionJson('1.1.0', [GERIATRIC])), '1.1.0'],
      [() => save(dir, '1.2.0.json', versionJson('1.2.0', [GERIATRIC, FALL_RISK])), '1.2.0'],
      [() => save(dir, '1.3.0.json', badJson.replace('1.2.0', '1.3.0')), '1.2.0'],
      [() => unlink(path.join(dir, '1.2.0.json')), '1.1.0'],
    ];
    try {
      for (const [change, version] of steps) {
        const done = reloaded(registry, (o) => o.activeVersion === version);
        await change();
        await done;
      }
    } finally {
      stop = true;
      await load;
    }
    expect(failures).to.equal(0);
    expect(evaluations).to.be.greaterThan(100);
    expect([...seen].sort()).to.deep.equal(['1.0.0', '1.1.0', '1.2.0']);
  });

  it('describes the active ruleset, the files and the last reload in the GET /rules shape', async () => {
    const { registry } = await startWith({ '1.0.0.json': versionJson('1.0.0'), 'notes.json': '[]' });
    const status = registry.status();
    expect(status.active?.loaded_at).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(status.last_reload?.at).to.match(/^\d{4}-\d\d-\d\dT/);
    expect({ ...status, active: { ...status.active, loaded_at: 'T' }, last_reload: { ...status.last_reload, at: 'T' } }).to.deep.equal({
      active: {
        name: 'clinical-recommendations',
        version: '1.0.0',
        hash: sha256(versionJson('1.0.0')),
        loaded_at: 'T',
        description: registry.current().definition.description,
        rules: [
          { id: 'recent-surgery', description: registry.current().definition.rules[0]?.description, priority: 40, code: 'POST_OP_REHABILITATION_PLAN', title: 'Post-Op Rehabilitation Plan' },
          { id: 'elderly-chronic-pain', description: registry.current().definition.rules[1]?.description, priority: 30, code: 'PHYSICAL_THERAPY', title: 'Physical Therapy' },
          { id: 'high-bmi', description: registry.current().definition.rules[2]?.description, priority: 20, code: 'WEIGHT_MANAGEMENT_PROGRAM', title: 'Weight Management Program' },
        ],
      },
      versions: [
        { file: '1.0.0.json', version: '1.0.0', hash: sha256(versionJson('1.0.0')), status: 'active' },
        { file: 'notes.json', version: null, hash: sha256('[]'), status: 'invalid', error: '/: must be object, got an array' },
      ],
      last_reload: { at: 'T', ok: false, error: 'notes.json: /: must be object, got an array' },
    });
  });
});
