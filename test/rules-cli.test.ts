import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runRulesCli } from './helpers/rules-cli.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** Runs the installed launcher as a rule author's CI would. */
const cli = (args: string[], cwd = ROOT) => runRulesCli(args, { cwd });

const TYPO = 'test/fixtures/rules/typo/1.1.0.json';
const FAILING = 'test/fixtures/rules/failing-test/1.2.0.json';

describe('clinical-rules CLI', function () {
  this.timeout(30_000);

  it('validates the shipped rules folder with exit 0, checking rules/ when no path is given', async () => {
    const run = await cli(['validate']);
    expect(run.stdout).to.equal('rules/1.0.0.json: ok (clinical-recommendations 1.0.0, 3 rules, 11 tests passed)\n1 file: 1 valid, 0 invalid\nrules/fhir/facts.json: ok (FHIR facts mapping)\n');
    expect(run.code).to.equal(0);
  });

  it('exits 1 with one line naming file and JSON pointer for an invalid file', async () => {
    const run = await cli(['validate', TYPO, 'test/fixtures/rules/observations']);
    expect(run.code).to.equal(1);
    expect(run.stdout.split('\n')).to.deep.equal([
      `${TYPO}: /rules/2/conditions/all/0/operator: unknown operator; did you mean "greaterThan"?`,
      'test/fixtures/rules/observations/2.0.0.json: ok (clinical-recommendations 2.0.0, 3 rules, 5 tests passed)',
      '2 files: 1 valid, 1 invalid',
      '',
    ]);
  });

  it('prints every test case as PASS or FAIL, with the codes that came out instead', async () => {
    const run = await cli(['test', FAILING]);
    expect(run.code).to.equal(1);
    const lines = run.stdout.trim().split('\n');
    expect(lines[0]).to.equal(`PASS ${FAILING}: /tests/0: 70 with chronic pain gets physical therapy -> [PHYSICAL_THERAPY]`);
    expect(lines[1]).to.equal(`FAIL ${FAILING}: /tests/1: age 65 with chronic pain is not over 65: expected [], got [PHYSICAL_THERAPY]`);
    expect(lines.filter((l) => l.startsWith('PASS '))).to.have.length(10);
    expect(lines.at(-1)).to.equal('10 passed, 1 failed; 1 file: 0 valid, 1 invalid');
  });

  it('exits 0 from test when every case passes', async () => {
    const run = await cli(['test', 'rules/1.0.0.json']);
    expect(run.code).to.equal(0);
    expect(run.stdout.trim().split('\n').at(-1)).to.equal('11 passed, 0 failed; 1 file: 1 valid, 0 invalid');
  });

  it('reports two files of one folder with the same version and different content', async () => {
    const run = await cli(['validate', 'test/fixtures/rules/conflict']);
    expect(run.code).to.equal(1);
    expect(run.stdout.split('\n').slice(0, 2)).to.deep.equal([
      'test/fixtures/rules/conflict/a.json: /version: this version is also declared by test/fixtures/rules/conflict/b.json with different content',
      'test/fixtures/rules/conflict/b.json: /version: this version is also declared by test/fixtures/rules/conflict/a.json with different content',
    ]);
  });

  it('prints a machine-readable report with --json', async () => {
    const run = await cli(['validate', '--json', TYPO, 'rules']);
    expect(run.code).to.equal(1);
    const report = JSON.parse(run.stdout) as { ok: boolean; files: Array<{ file: string; valid: boolean; version: string; problems: Array<{ pointer: string }> }> };
    expect(report.ok).to.equal(false);
    expect(report.files.map((f) => [f.file, f.version, f.valid, f.problems.map((p) => p.pointer)])).to.deep.equal([
      [TYPO, '1.1.0', false, ['/rules/2/conditions/all/0/operator']],
      ['rules/1.0.0.json', '1.0.0', true, []],
    ]);
  });

  it('exits 2 on usage errors: unknown command, unknown option, missing path, folder without rulesets', async () => {
    const empty = await mkdtemp(path.join(tmpdir(), 'rules-empty-'));
    try {
      const runs = await Promise.all([cli(['lint']), cli(['validate', '--fix']), cli(['test', 'no/such/file.json']), cli(['validate', empty]), cli([])]);
      expect(runs.map((r) => r.code)).to.deep.equal([2, 2, 2, 2, 2]);
      expect(runs.map((r) => r.stderr.split('\n')[0])).to.deep.equal([
        'clinical-rules: unknown command "lint" (expected validate, test or impact)',
        'clinical-rules: unknown option "--fix"',
        'clinical-rules: no such file or folder: no/such/file.json',
        `clinical-rules: no ruleset files (*.json) in ${empty}`,
        'clinical-rules: missing command (validate, test or impact)',
      ]);
      expect(runs.every((r) => r.stdout === '')).to.equal(true);
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });

  it('prints usage with --help and exits 0, from any working directory', async () => {
    const run = await cli(['--help'], tmpdir());
    expect(run.code).to.equal(0);
    expect(run.stdout).to.match(/^Usage: clinical-rules <command> \[--json\] \[files\|dirs\.\.\.\]/);
  });
});
