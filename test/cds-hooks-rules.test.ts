import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { checkFhirFactsConfig, FhirFactsConfigError, loadFhirFactsConfig } from '../core/fhir/facts-config.js';
import { PROJECT_ROOT, SHIPPED_FHIR_FACTS_PATH } from '../core/platform/paths.js';
import { checkRulesetBytes } from '../core/rules/ruleset-file.js';

const BIN = path.join(PROJECT_ROOT, 'bin', 'clinical-rules.js');

function cli(args: string[]): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout }));
  });
}

describe('CDS Hooks: rules/fhir/facts.json and rule indicators as data', function () {
  this.timeout(30_000);
  let dir: string;
  let shipped: Record<string, unknown>;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'cds-facts-'));
    shipped = JSON.parse(await readFile(SHIPPED_FHIR_FACTS_PATH, 'utf8')) as Record<string, unknown>;
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  it('accepts the shipped mapping', () => {
    expect(checkFhirFactsConfig(shipped).problems).to.deep.equal([]);
  });

  it('rejects a mapping with an unknown field, a bad range or a code claimed twice, naming the pointer', () => {
    const copy = structuredClone(shipped) as { bmi: { weight: { codes: unknown[]; range: { min: number } }; height: { codes: unknown[] } }; extra?: boolean };
    copy.extra = true;
    expect(checkFhirFactsConfig(copy).problems.map((p) => p.pointer)).to.include('');
    delete copy.extra;
    copy.bmi.weight.range.min = 900;
    copy.bmi.height.codes.push({ system: 'http://loinc.org', code: '29463-7' });
    expect(checkFhirFactsConfig(copy).problems.map((p) => p.pointer)).to.have.members(['/bmi/weight/range', '/bmi/height/codes/1']);
  });

  it('stops the start with one line naming the file when the mapping is invalid', async () => {
    const file = path.join(dir, 'facts.json');
    await writeFile(file, JSON.stringify({ ...shipped, recentSurgery: { categories: [], statuses: ['completed'], windowDays: 30 } }));
    const err = await loadFhirFactsConfig(file).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(FhirFactsConfigError);
    expect((err as Error).message).to.contain(`${file}: /recentSurgery/categories`);
  });

  it('is checked by `clinical-rules validate` with the rules folder it sits in', async () => {
    const rules = path.join(dir, 'rules');
    await mkdir(path.join(rules, 'fhir'), { recursive: true });
    await writeFile(path.join(rules, '1.0.0.json'), await readFile(path.join(PROJECT_ROOT, 'rules', '1.0.0.json')));
    await writeFile(path.join(rules, 'fhir', 'facts.json'), JSON.stringify({ ...shipped, age: { range: { min: 0 } } }));
    const bad = await cli(['validate', rules]);
    expect(bad.code).to.equal(1);
    expect(bad.stdout).to.contain(`${path.join(rules, 'fhir', 'facts.json')}: /age/range`);
    await writeFile(path.join(rules, 'fhir', 'facts.json'), JSON.stringify(shipped));
    const good = await cli(['validate', path.join(rules, 'fhir', 'facts.json')]);
    expect(good.code).to.equal(0);
    expect(good.stdout).to.contain('facts.json: ok');
  });

  it("validates a rule's indicator: info, warning or critical", async () => {
    const ruleset = JSON.parse(await readFile(path.join(PROJECT_ROOT, 'rules', '1.0.0.json'), 'utf8')) as { $schema?: string; rules: Array<Record<string, unknown>> };
    delete ruleset.$schema;
    const first = ruleset.rules[0] as Record<string, unknown>;
    first.indicator = 'critical';
    expect((await checkRulesetBytes(Buffer.from(JSON.stringify(ruleset)), 'ok.json')).problems).to.deep.equal([]);
    first.indicator = 'urgent';
    const problems = (await checkRulesetBytes(Buffer.from(JSON.stringify(ruleset)), 'bad.json')).problems;
    expect(problems.map((p) => p.pointer)).to.include('/rules/0/indicator');
  });
});
