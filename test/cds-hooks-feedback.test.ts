import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { signToken } from '../core/auth/sign-token.js';
import { PROJECT_ROOT } from '../core/platform/paths.js';
import { expectMatchesSpec } from './helpers/openapi-contract.js';
import { startTestService, uniquePatientId, type TestService } from './helpers/api-service.js';
import { aChronicPainCondition, anObservation, aPatient, bornYearsAgo, searchset } from './helpers/fhir-server.js';

const HOOK_PATH = '/cds-services/clinical-recommendations';
const FEEDBACK_PATH = '/cds-services/clinical-recommendations/feedback';

describe('CDS Hooks: feedback and card indicators', () => {
  let svc: TestService;
  let rulesDir: string;
  before(async () => {
    // The shipped ruleset with a warning indicator on the BMI rule, as a clinician would add it.
    rulesDir = await mkdtemp(path.join(os.tmpdir(), 'cds-rules-'));
    const shipped = JSON.parse(await readFile(path.join(PROJECT_ROOT, 'rules', '1.0.0.json'), 'utf8')) as { rules: Array<Record<string, unknown>>; $schema?: string };
    delete shipped.$schema;
    for (const rule of shipped.rules) if (rule.id === 'high-bmi') rule.indicator = 'warning';
    await writeFile(path.join(rulesDir, '1.0.0.json'), JSON.stringify(shipped));
    svc = await startTestService({ RULES_DIR: rulesDir });
  });
  after(async () => {
    await svc.stop();
    await rm(rulesDir, { recursive: true, force: true });
  });

  const auth = () => `Bearer ${svc.token()}`;
  async function cardsFor(patientId: string) {
    const res = await svc.http
      .post(HOOK_PATH)
      .set('Authorization', auth())
      .send({
        hook: 'patient-view',
        hookInstance: randomUUID(),
        context: { userId: 'Practitioner/example', patientId },
        prefetch: {
          patient: aPatient(patientId, bornYearsAgo(72)),
          vitals: searchset([anObservation(patientId, 'bmi', 33.5, 'kg/m2', '2026-01-01')]),
          conditions: searchset([aChronicPainCondition(patientId, 'active')]),
          procedures: null,
        },
      });
    expect(res.status).to.equal(200);
    return res.body.cards as Array<{ uuid: string; summary: string; indicator: string }>;
  }
  const feedback = (items: unknown[]) => svc.http.post(FEEDBACK_PATH).set('Authorization', auth()).send({ feedback: items });
  const summary = async () => (await svc.http.get('/reports/summary').set('Authorization', auth())).body.feedback as Record<string, { accepted: number; overridden: number }>;

  it("shows the rule's own indicator on its card, info for the rest", async () => {
    const cards = await cardsFor(uniquePatientId());
    expect(cards.map((c) => [c.summary, c.indicator])).to.deep.equal([
      ['Physical Therapy', 'info'],
      ['Weight Management Program', 'warning'],
    ]);
  });

  it('stores accepted and overridden feedback and counts it per code in /reports/summary', async () => {
    const before = await summary();
    const [therapy, weight] = await cardsFor(uniquePatientId());
    const res = await feedback([
      { card: therapy?.uuid, outcome: 'accepted', outcomeTimestamp: new Date().toISOString() },
      {
        card: weight?.uuid,
        outcome: 'overridden',
        overrideReason: { reason: { code: 'd7ecf885', system: 'https://example.com/cds-hooks/override-reason-system' }, userComment: 'Patient declined.' },
        outcomeTimestamp: new Date().toISOString(),
      },
    ]);
    expect(res.status).to.equal(200);
    expectMatchesSpec(res, FEEDBACK_PATH, 'post');
    const after = await summary();
    expect(after.PHYSICAL_THERAPY?.accepted).to.equal((before.PHYSICAL_THERAPY?.accepted ?? 0) + 1);
    expect(after.WEIGHT_MANAGEMENT_PROGRAM?.overridden).to.equal((before.WEIGHT_MANAGEMENT_PROGRAM?.overridden ?? 0) + 1);
    const report = await svc.http.get('/reports/summary').set('Authorization', auth());
    expectMatchesSpec(report, '/reports/summary', 'get');
  });

  it('stores the same feedback sent twice once', async () => {
    const [card] = await cardsFor(uniquePatientId());
    const item = { card: card?.uuid, outcome: 'accepted', outcomeTimestamp: '2026-03-01T10:00:00Z' };
    const before = (await svc.http.get('/reports/summary?from=2026-03-01&to=2026-03-01').set('Authorization', auth())).body.feedback;
    expect((await feedback([item])).status).to.equal(200);
    expect((await feedback([item])).status).to.equal(200);
    const after = (await svc.http.get('/reports/summary?from=2026-03-01&to=2026-03-01').set('Authorization', auth())).body.feedback;
    expect(after.PHYSICAL_THERAPY.accepted).to.equal((before.PHYSICAL_THERAPY?.accepted ?? 0) + 1);
  });

  it('404 for an unknown card uuid, and stores none of the batch', async () => {
    const [card] = await cardsFor(uniquePatientId());
    const before = await summary();
    const res = await feedback([
      { card: card?.uuid, outcome: 'accepted', outcomeTimestamp: new Date().toISOString() },
      { card: randomUUID(), outcome: 'overridden', outcomeTimestamp: new Date().toISOString() },
    ]);
    expect(res.status).to.equal(404);
    expect(res.headers['content-type']).to.match(/^application\/problem\+json/);
    expect(await summary()).to.deep.equal(before);
  });

  it('400 for a malformed feedback body', async () => {
    const [card] = await cardsFor(uniquePatientId());
    for (const body of [{}, { feedback: [] }, { feedback: [{ card: card?.uuid, outcome: 'ignored', outcomeTimestamp: new Date().toISOString() }] }, { feedback: [{ card: card?.uuid, outcome: 'accepted', outcomeTimestamp: 'yesterday' }] }]) {
      const res = await svc.http.post(FEEDBACK_PATH).set('Authorization', auth()).send(body);
      expect(res.status, JSON.stringify(body)).to.equal(400);
    }
  });

  it("takes a patient-scoped token's feedback on its own patient's cards only; another's are unknown (404)", async () => {
    const own = uniquePatientId();
    const [mine] = await cardsFor(own);
    const [theirs] = await cardsFor(uniquePatientId());
    const token = signToken(svc.config.jwt, { scopes: ['recommendations:write'], subject: 'patient-app', patient: own, expiresInSeconds: 300 });
    const send = (card: string | undefined) =>
      svc.http.post(FEEDBACK_PATH).set('Authorization', `Bearer ${token}`).send({ feedback: [{ card, outcome: 'accepted', outcomeTimestamp: new Date().toISOString() }] });
    expect((await send(mine?.uuid)).status).to.equal(200);
    expect((await send(theirs?.uuid)).status).to.equal(404);
  });

  it('needs recommendations:write', async () => {
    const res = await svc.http.post(FEEDBACK_PATH).set('Authorization', `Bearer ${svc.token(['reports:read'])}`).send({ feedback: [] });
    expect(res.status).to.equal(403);
  });
});
