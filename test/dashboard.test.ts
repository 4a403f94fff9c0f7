// page.evaluate callbacks run in the browser: they need the DOM types.
/// <reference lib="dom" />
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import jwt from 'jsonwebtoken';
import type { Browser } from 'playwright-core';
import { startTestService, TEST_SECRET, uniquePatientId, type TestService } from './helpers/api-service.js';
import { launchChromium } from './helpers/chromium.js';
import { until } from './helpers/processes.js';
import { cdsPatientView, copyShippedRuleset, writeRuleset110 } from './helpers/dashboard-data.js';
import { chartData, expectCleanPage, openDashboard, signIn, tableRows, waitForState } from './helpers/dashboard-page.js';

// Known patients, evaluated through the API under 1.0.0 (BMI > 30), then 1.1.0 (BMI > 27).
const UNDER_1_0_0 = [
  { age: 70, chronic_pain: true }, // PHYSICAL_THERAPY
  { age: 40, bmi: 35 }, // WEIGHT_MANAGEMENT_PROGRAM
  { age: 72, bmi: 34.5, chronic_pain: true, recent_surgery: true }, // all three
  { age: 30, bmi: 22 }, // none
  { age: 40, bmi: 28 }, // none under 1.0.0
];
const UNDER_1_1_0 = [
  { age: 40, bmi: 28 }, // WEIGHT_MANAGEMENT_PROGRAM under 1.1.0
  { age: 68, chronic_pain: true }, // PHYSICAL_THERAPY
];
// Then three CDS Hooks calls for a 76-year-old with chronic pain: one Physical Therapy card each;
// the clinician accepts two and overrides one.
const CDS_CALLS = 3;
const EXPECTED = { PHYSICAL_THERAPY: 3 + CDS_CALLS, WEIGHT_MANAGEMENT_PROGRAM: 3, POST_OP_REHABILITATION_PLAN: 1 };
const EXPECTED_TOTAL = UNDER_1_0_0.length + UNDER_1_1_0.length + CDS_CALLS;

describe('GET /dashboard in Chromium, against the running service', function () {
  this.timeout(60_000);
  let browser: Browser | undefined;
  let svc: TestService;
  let rulesDir: string;
  let baseUrl: string;
  let day: string;

  async function evaluateAll(patients: Array<Record<string, unknown>>): Promise<void> {
    for (const patient of patients) {
      const res = await svc.http.post('/evaluate').set('Authorization', `Bearer ${svc.token()}`).send({ patient_id: uniquePatientId(), ...patient });
      expect(res.status, res.text).to.equal(201);
      day = (res.body.created_at as string).slice(0, 10);
      await svc.processed(res.body.id as string);
    }
  }

  before(async function () {
    browser = await launchChromium();
    if (browser === undefined) return this.skip();
    rulesDir = await mkdtemp(path.join(os.tmpdir(), 'dashboard-rules-'));
    await copyShippedRuleset(rulesDir);
    svc = await startTestService({ RULES_DIR: rulesDir });
    baseUrl = `http://127.0.0.1:${svc.service.port}`;
    await evaluateAll(UNDER_1_0_0);
    await writeRuleset110(rulesDir);
    // The registry announces the swap in its log; the watcher picks the file up within seconds.
    await until(async () => svc.logs.some((l) => l.message === 'ruleset activated' && l.version === '1.1.0'), 'ruleset 1.1.0 to go live', 10_000);
    await evaluateAll(UNDER_1_1_0);
    await cardsWithFeedback(['accepted', 'accepted', 'overridden']);
    // CDS Hooks calls are counted by the worker too; they carry no id to wait on, the report shows them.
    await until(async () => (await svc.service.store.reportSummary()).total === EXPECTED_TOTAL, `the worker to count ${EXPECTED_TOTAL}`, 10_000);
  });

  async function cardsWithFeedback(outcomes: Array<'accepted' | 'overridden'>): Promise<void> {
    const auth = `Bearer ${svc.token(['recommendations:write'], 'ehr')}`;
    for (const outcome of outcomes) {
      const call = await svc.http.post('/cds-services/clinical-recommendations').set('Authorization', auth)
        .send(cdsPatientView({ id: uniquePatientId(), birthDate: '1950-03-01', chronicPain: true }));
      expect(call.status, call.text).to.equal(200);
      expect(call.body.cards.map((c: { summary: string }) => c.summary)).to.deep.equal(['Physical Therapy']);
      const feedback = await svc.http.post('/cds-services/clinical-recommendations/feedback').set('Authorization', auth)
        .send({ feedback: [{ card: call.body.cards[0].uuid, outcome, outcomeTimestamp: new Date().toISOString() }] });
      expect(feedback.status, feedback.text).to.equal(200);
    }
  }
  after(async () => {
    await browser?.close();
    await svc?.stop();
    if (rulesDir) await rm(rulesDir, { recursive: true, force: true });
  });

  const analyst = () => svc.token(['reports:read', 'rules:read'], 'analyst');

  it('serves the page and its files without a token, with no inline script or style', async () => {
    const page = await svc.http.get('/dashboard');
    expect(page.status).to.equal(200);
    expect(page.headers['content-type']).to.match(/^text\/html/);
    expect(page.text).not.to.match(/<script(?![^>]*\bsrc=)[^>]*>/i);
    expect(page.text).not.to.match(/<style|\sstyle=|\son[a-z]+=/i);

    const chartJs = await svc.http.get('/dashboard/vendor/chart.umd.min.js');
    expect(chartJs.status).to.equal(200);
    expect(chartJs.headers['content-type']).to.match(/javascript/);
    const dist = path.dirname(createRequire(import.meta.url).resolve('chart.js'));
    expect(chartJs.text).to.equal(await readFile(path.join(dist, 'chart.umd.min.js'), 'utf8'));
    expect((await svc.http.get('/dashboard/assets/main.js')).headers['content-type']).to.match(/javascript/);
    expect((await svc.http.get('/dashboard/assets/nope.js')).status).to.equal(404);
  });

  it('asks for a token before it reads anything', async () => {
    const session = await openDashboard(browser!, baseUrl);
    await waitForState(session.page, 'needs-token');

    expect(await session.page.isVisible('#token')).to.equal(true);
    expect(await session.page.textContent('#message')).to.contain('A token is needed');
    expect(await session.page.isVisible('#report')).to.equal(false);
    expect(session.requests.filter((url) => !new URL(url).pathname.startsWith('/dashboard'))).to.deep.equal([]);
    await expectCleanPage(session);
    await session.close();
  });

  it('charts the recommendations per day by code as the worker counted them, for the last 30 days', async () => {
    const session = await openDashboard(browser!, baseUrl);
    await signIn(session.page, analyst());
    await waitForState(session.page, 'ready');

    const { labels, datasets } = await chartData(session.page);
    expect(labels).to.have.length(30);
    expect(labels.at(-1)).to.equal(day);
    const today = labels.indexOf(day);
    expect(Object.fromEntries(datasets.map((d) => [d.code, d.data[today]]))).to.deep.equal(EXPECTED);
    for (const d of datasets) expect(d.data.reduce((a, b) => a + b, 0), d.code).to.equal(d.data[today]);
    expect(datasets.map((d) => d.label)).to.include.members(['Physical Therapy', 'Weight Management Program', 'Post-Op Rehabilitation Plan']);
    await expectCleanPage(session);
    await session.close();
  });

  it('lists the totals per code, the versions that decided them and the card feedback', async () => {
    const session = await openDashboard(browser!, baseUrl);
    await signIn(session.page, analyst());
    await waitForState(session.page, 'ready');

    const totals = await tableRows(session.page, '#totals-table');
    expect(Object.fromEntries(Object.entries(totals).map(([code, [count]]) => [code, Number(count)]))).to.deep.equal(EXPECTED);
    expect(await session.page.textContent('#totals-all')).to.equal(String(EXPECTED_TOTAL));
    expect(await session.page.textContent('#kpi-total')).to.equal(String(EXPECTED_TOTAL));
    expect(await tableRows(session.page, '#versions-table')).to.deep.equal({ '1.0.0': [day, day, '5'], '1.1.0': [day, day, '5'] });
    expect(await session.page.textContent('#active-ruleset')).to.contain('clinical-recommendations 1.1.0');
    expect(await tableRows(session.page, '#feedback-table')).to.deep.equal({ PHYSICAL_THERAPY: ['2', '1', '67 %'] });
    expect(await session.page.isVisible('#feedback-empty')).to.equal(false);
    await expectCleanPage(session);
    await session.close();
  });

  it('shows "no recommendations in this range" for a quiet range', async () => {
    const session = await openDashboard(browser!, baseUrl);
    await signIn(session.page, analyst());
    await waitForState(session.page, 'ready');
    await session.page.fill('#from', '2000-01-01');
    await session.page.fill('#to', '2000-01-31');
    await session.page.evaluate(() => delete document.body.dataset.state);
    await session.page.press('#to', 'Enter');
    await waitForState(session.page, 'ready');

    expect(await session.page.textContent('#empty')).to.equal('No recommendations in this range.');
    expect(await session.page.isVisible('#empty')).to.equal(true);
    expect(await session.page.isVisible('#daily-chart')).to.equal(false);
    expect(await tableRows(session.page, '#totals-table')).to.deep.equal({});
    expect(await session.page.textContent('#totals-all')).to.equal('0');
    expect(await session.page.isVisible('#feedback-table')).to.equal(false);
    expect(await session.page.textContent('#feedback-empty')).to.equal('No CDS card feedback in this range.');
    await expectCleanPage(session);
    await session.close();
  });

  it('can be driven with the keyboard alone', async () => {
    const session = await openDashboard(browser!, baseUrl);
    const { page } = session;
    const focused = () => page.evaluate(() => document.activeElement?.id || document.activeElement?.textContent?.trim());
    for (let i = 0; i < 5 && (await focused()) !== 'token'; i += 1) await page.keyboard.press('Tab');
    expect(await focused()).to.equal('token');
    await page.keyboard.type(analyst());
    await page.keyboard.press('Tab');
    expect(await focused()).to.equal('Use token');
    await page.keyboard.press('Enter');
    await waitForState(page, 'ready');

    // A date input is three stops (month, day, year) in Chromium.
    const order: Array<string | undefined> = [];
    for (let i = 0; i < 12; i += 1) {
      await page.keyboard.press('Tab');
      order.push(await focused());
    }
    expect(order).to.include.members(['from', 'to', 'Show', '7 days', '30 days']);
    await expectCleanPage(session);
    await session.close();
  });

  it('says that an expired token was refused (401) and asks for a new one', async () => {
    const past = Math.floor(Date.now() / 1000) - 120;
    const expired = jwt.sign({ scope: 'reports:read', sub: 'analyst', aud: svc.config.jwt.audience, iat: past - 60, exp: past }, TEST_SECRET, { algorithm: 'HS256' });
    const session = await openDashboard(browser!, baseUrl);
    await signIn(session.page, expired);
    await waitForState(session.page, 'error');

    const message = await session.page.textContent('#message');
    expect(message).to.contain('did not accept this token (401)').and.contain('token has expired');
    expect(await session.page.isVisible('#token')).to.equal(true);
    expect(await session.page.isVisible('#report')).to.equal(false);
    expect(await session.page.evaluate(() => sessionStorage.length)).to.equal(0);
    await expectCleanPage(session, [401]);
    await session.close();
  });

  it('says that a token without reports:read may not read the reports (403)', async () => {
    const session = await openDashboard(browser!, baseUrl);
    await signIn(session.page, svc.token(['recommendations:read'], 'clinician'));
    await waitForState(session.page, 'error');

    const message = await session.page.textContent('#message');
    expect(message).to.contain('may not read the reports (403)').and.contain('reports:read');
    expect(await session.page.isVisible('#token')).to.equal(true);
    expect(await session.page.isVisible('#report')).to.equal(false);
    await expectCleanPage(session, [403]);
    await session.close();
  });

  it('keeps the token for the tab, without rules:read too, until it is forgotten', async () => {
    const session = await openDashboard(browser!, baseUrl);
    const { page } = session;
    await signIn(page, svc.token(['reports:read'], 'reports-only'));
    await waitForState(page, 'ready');
    expect(await page.textContent('#active-ruleset')).to.contain('lacks the rules:read scope');
    expect(Object.keys(await tableRows(page, '#totals-table'))).to.have.members(Object.keys(EXPECTED));

    await page.reload();
    await waitForState(page, 'ready');
    expect(await page.textContent('#token-summary')).to.contain('subject reports-only');
    await page.click('#forget-token');
    expect(await page.isVisible('#token')).to.equal(true);
    expect(await page.evaluate(() => sessionStorage.length)).to.equal(0);
    await expectCleanPage(session, [403]); // GET /rules without rules:read
    await session.close();
  });

  it('fits a 390-pixel wide screen', async () => {
    const session = await openDashboard(browser!, baseUrl, { viewport: { width: 390, height: 844 } });
    await signIn(session.page, analyst());
    await waitForState(session.page, 'ready');

    expect(await session.page.evaluate(() => document.documentElement.scrollWidth)).to.be.at.most(390);
    const chart = await session.page.locator('#daily-chart').boundingBox();
    expect(chart?.width).to.be.within(300, 390);
    expect(chart?.height).to.be.greaterThan(200);
    for (const table of ['#totals-table', '#versions-table', '#feedback-table']) {
      const box = await session.page.locator(table).boundingBox();
      expect(box!.x + box!.width, table).to.be.at.most(390);
    }
    const { datasets } = await chartData(session.page);
    expect(datasets).to.have.length(3);
    await expectCleanPage(session);
    await session.close();
  });
});
