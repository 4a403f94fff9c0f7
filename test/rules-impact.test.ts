import { expect } from 'chai';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generatedRuleset } from '../bench/generated-ruleset.js';
import { eventFor } from '../core/domain/recommendation.js';
import { openSqliteStore } from '../core/store/store-sqlite.js';
import { shippedLoose } from './fixtures/rules/ruleset-builders.js';
import { aRecommendation } from './helpers/fixtures.js';
import { startTestService, uniquePatientId, type TestService } from './helpers/api-service.js';
import { runRulesCli } from './helpers/rules-cli.js';

const cli = (args: string[]) => runRulesCli(args);

/** The shipped rules with the BMI threshold lowered to 28 and physical therapy from 67 on; its own tests would no longer hold. */
function candidate(): Record<string, unknown> {
  const doc = shippedLoose();
  doc.version = '1.1.0';
  delete doc.tests;
  const [surgery, elderly, bmi] = doc.rules as Array<Record<string, unknown>>;
  (elderly as { conditions: unknown }).conditions = { all: [{ fact: 'age', operator: 'greaterThan', value: 66 }, { fact: 'chronic_pain', operator: 'equal', value: true }] };
  (bmi as { conditions: unknown }).conditions = { all: [{ fact: 'bmi', operator: 'greaterThan', value: 28 }] };
  doc.rules = [surgery, elderly, bmi] as Array<Record<string, unknown>>;
  return doc;
}

describe('impact analysis (clinical-rules impact, POST /rules/impact)', function () {
  this.timeout(60_000);

  let svc: TestService;
  let work: string;
  let candidateFile: string;
  /** Recommendation ids by the patient they were made for, in the order they were made. */
  const made: Record<string, string> = {};
  let oldId: string;
  let sinceP5: string;

  const patients = {
    p1: { age: 70, chronic_pain: true }, // PHYSICAL_THERAPY, kept
    p2: { age: 40, bmi: 29 }, // nothing, gains WEIGHT_MANAGEMENT_PROGRAM
    p3: { age: 40, bmi: 31 }, // WEIGHT_MANAGEMENT_PROGRAM, kept
    p4: { age: 40, height_cm: 170, weight_kg: 80 }, // derived bmi 27.7: nothing either way
    p5: { age: 30, recent_surgery: true }, // POST_OP_REHABILITATION_PLAN, kept
    p6: { age: 66, chronic_pain: true }, // PHYSICAL_THERAPY, lost
    p7: { age: 50, height_cm: 180, weight_kg: 92 }, // derived bmi 28.4: gains WEIGHT_MANAGEMENT_PROGRAM
  };

  before(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'impact-'));
    candidateFile = path.join(work, '1.1.0.json');
    await writeFile(candidateFile, JSON.stringify(candidate(), null, 2));
    svc = await startTestService();
    // A decision stored the way it was before facts were kept: it cannot be replayed.
    const old = aRecommendation({ created_at: new Date(Date.now() - 60_000).toISOString() });
    await svc.service.store.createRecommendation(old, eventFor(old));
    oldId = old.id;
    for (const [name, body] of Object.entries(patients)) {
      const res = await svc.http
        .post('/evaluate')
        .set('Authorization', `Bearer ${svc.token()}`)
        .send({ patient_id: uniquePatientId(), ...body })
        .expect(201);
      made[name] = res.body.id as string;
      if (name === 'p5') sinceP5 = res.body.created_at as string;
    }
  });
  after(async () => {
    await svc?.stop();
    await rm(work, { recursive: true, force: true });
  });

  const expected = () => ({
    replayed: 7,
    changed: 3,
    unchanged: 4,
    not_replayable: 1,
    codes: [
      { code: 'WEIGHT_MANAGEMENT_PROGRAM', gained: 2, lost: 0, gained_examples: [made.p2, made.p7], lost_examples: [] },
      { code: 'PHYSICAL_THERAPY', gained: 0, lost: 1, gained_examples: [], lost_examples: [made.p6] },
    ],
  });

  it('POST /rules/impact replays every decision made through the API, every count exact', async () => {
    const res = await svc.http.post('/rules/impact').set('Authorization', `Bearer ${svc.token(['rules:read'])}`).send(candidate()).expect(200);
    expect(res.body).to.deep.include({ since: null, ...expected() });
    expect(res.body.candidate).to.include({ name: 'clinical-recommendations', version: '1.1.0' });
  });

  it('POST /rules/impact with since replays only the decisions from then on', async () => {
    const res = await svc.http
      .post('/rules/impact')
      .query({ since: sinceP5 })
      .set('Authorization', `Bearer ${svc.token(['rules:read'])}`)
      .send(candidate())
      .expect(200);
    expect(res.body).to.deep.include({
      since: sinceP5,
      replayed: 3,
      changed: 2,
      not_replayable: 0,
      codes: [
        { code: 'PHYSICAL_THERAPY', gained: 0, lost: 1, gained_examples: [], lost_examples: [made.p6] },
        { code: 'WEIGHT_MANAGEMENT_PROGRAM', gained: 1, lost: 0, gained_examples: [made.p7], lost_examples: [] },
      ],
    });
  });

  it('POST /rules/impact answers 400 with every located problem for an invalid candidate, 400 for a bad since', async () => {
    const bad = candidate();
    (bad.rules as Array<{ conditions: { all: Array<{ operator: string }> } }>)[2]!.conditions.all[0]!.operator = 'greaterThen';
    const res = await svc.http.post('/rules/impact').set('Authorization', `Bearer ${svc.token(['rules:read'])}`).send(bad).expect(400);
    expect(res.type).to.equal('application/problem+json');
    expect(res.body.errors).to.have.length(1);
    expect(res.body.errors[0].path).to.equal('/body/rules/2/conditions/all/0/operator');
    const since = await svc.http.post('/rules/impact?since=yesterday').set('Authorization', `Bearer ${svc.token(['rules:read'])}`).send(candidate()).expect(400);
    expect(since.body.errors[0].path).to.equal('/query/since');
  });

  it('POST /rules/impact reads a candidate larger than 64 KiB, up to RULES_MAX_FILE_BYTES, and 413s beyond', async () => {
    const large = generatedRuleset(400, '2.0.0');
    expect(JSON.stringify(large).length).to.be.greaterThan(64 * 1024);
    const res = await svc.http.post('/rules/impact').set('Authorization', `Bearer ${svc.token(['rules:read'])}`).send(large).expect(200);
    expect(res.body).to.include({ replayed: 7, not_replayable: 1 });
    const huge = generatedRuleset(3000, '3.0.0');
    expect(JSON.stringify(huge).length).to.be.greaterThan(svc.config.rulesMaxFileBytes);
    const refused = await svc.http.post('/rules/impact').set('Authorization', `Bearer ${svc.token(['rules:read'])}`).send(huge).expect(413);
    // The detail names this route's limit, not POST /evaluate's 64 KiB.
    expect(refused.body.detail).to.equal(`the body is larger than ${svc.config.rulesMaxFileBytes / 1024} KiB`);
  });

  it('POST /rules/impact needs rules:read', async () => {
    await svc.http.post('/rules/impact').send(candidate()).expect(401);
    await svc.http.post('/rules/impact').set('Authorization', `Bearer ${svc.token(['recommendations:read'])}`).send(candidate()).expect(403);
  });

  it('clinical-rules impact --json gives the same counts from the data folder', async () => {
    const run = await cli(['impact', candidateFile, '--data-dir', svc.dataDir, '--json']);
    expect(run.stderr).to.equal('');
    expect(run.code).to.equal(0);
    expect(JSON.parse(run.stdout)).to.deep.include(expected());
  });

  it('clinical-rules impact prints a short table a clinician can read', async () => {
    const run = await cli(['impact', candidateFile, '--data-dir', svc.dataDir, '--since', sinceP5.slice(0, 10)]);
    expect(run.code).to.equal(0);
    const lines = run.stdout.split('\n');
    expect(lines[0]).to.match(/^Impact of clinical-recommendations 1\.1\.0 \(sha256:[0-9a-f]{12}…\) on stored decisions since \d{4}-\d{2}-\d{2}T00:00:00\.000Z:$/);
    expect(lines.slice(1, 5)).to.deep.equal(['  replayed        7', '  would change    3', '  unchanged       4', '  not replayable  1 (stored before their facts were kept)']);
    expect(run.stdout).to.include('  WEIGHT_MANAGEMENT_PROGRAM       2       0');
    expect(run.stdout).to.include(`  PHYSICAL_THERAPY lost: ${made.p6}`);
    expect(run.stdout).to.include(`  WEIGHT_MANAGEMENT_PROGRAM gained: ${made.p2} ${made.p7}`);
    expect(run.stdout).not.to.include(oldId);
  });

  describe('bad input', () => {
    it('exits 1 with the same located problems as validate for an invalid candidate', async () => {
      const bad = candidate();
      (bad.rules as Array<{ conditions: { all: Array<{ operator: string }> } }>)[2]!.conditions.all[0]!.operator = 'greaterThen';
      const file = path.join(work, '1.2.0.json');
      await writeFile(file, JSON.stringify(bad, null, 2));
      const [impact, validate] = await Promise.all([cli(['impact', file, '--data-dir', svc.dataDir]), cli(['validate', file])]);
      expect(impact.code).to.equal(1);
      expect(impact.stdout).to.equal(validate.stdout);
      expect(impact.stdout).to.include(`${file}: /rules/2/conditions/all/0/operator: unknown operator`);
    });

    it('exits 2 with one clear line for a data folder that does not exist or is not a store', async () => {
      const notSqlite = path.join(work, 'not-a-store');
      await rm(notSqlite, { recursive: true, force: true });
      await import('node:fs/promises').then((fs) => fs.mkdir(notSqlite)).then(() => writeFile(path.join(notSqlite, 'clinical.db'), 'hello'));
      const cases: Array<[string[], RegExp]> = [
        [['--data-dir', path.join(work, 'missing')], /^clinical-rules: no such data folder: .*missing\n$/],
        [['--data-dir', work], /^clinical-rules: .* is not a store: it holds no clinical\.db\n$/],
        [['--data-dir', candidateFile], /^clinical-rules: .* is not a folder .*\n$/],
        [['--data-dir', notSqlite], /^clinical-rules: .*clinical\.db is not a clinical store \(SQLITE_NOTADB\)\n$/],
        [['--data-dir', svc.dataDir, '--since', '2026-02-30'], /^clinical-rules: --since "2026-02-30" is not a date/],
        [['--data-dir'], /^clinical-rules: --data-dir needs a value/],
        [['--data-dir', svc.dataDir, '--mongodb-uri', 'mongodb://x'], /^clinical-rules: give --data-dir or --mongodb-uri, not both/],
      ];
      for (const [args, message] of cases) {
        const run = await cli(['impact', candidateFile, ...args]);
        expect(run.code, args.join(' ')).to.equal(2);
        expect(run.stderr, args.join(' ')).to.match(message);
        expect(run.stdout).to.equal('');
      }
      const missing = await cli(['impact', path.join(work, 'nope.json'), '--data-dir', svc.dataDir]);
      expect([missing.code, missing.stderr]).to.deep.equal([2, `clinical-rules: no such file: ${path.join(work, 'nope.json')}\n`]);
    });

    it('reports zero for an empty store', async () => {
      const empty = await mkdtemp(path.join(tmpdir(), 'impact-empty-'));
      try {
        await openSqliteStore({ dataDir: empty }).close();
        const run = await cli(['impact', candidateFile, '--data-dir', empty, '--json']);
        expect(run.code).to.equal(0);
        expect(JSON.parse(run.stdout)).to.deep.include({ replayed: 0, changed: 0, unchanged: 0, not_replayable: 0, codes: [] });
        const text = await cli(['impact', candidateFile, '--data-dir', empty]);
        expect(text.stdout).to.include('  replayed        0\n').and.include('Nothing to replay.');
      } finally {
        await rm(empty, { recursive: true, force: true });
      }
    });
  });
});
