/**
 * Makes docs/dashboard.png: the dashboard of a service fed with 30 days of
 * sample data, opened in headless Chromium.
 *
 *   npx tsx scripts/dashboard-screenshot.ts [--out docs/dashboard.png] [--width 1280]
 *
 * Past days cannot be made through POST /evaluate (it stamps the present),
 * so they are decided by the real use case with a clock set back, under
 * ruleset 1.0.0 and then 1.1.0, straight into a fresh SQLite file; the
 * service then relays their events and its worker counts them, as in
 * production. Today's recommendations go through the API: POST /evaluate,
 * and CDS Hooks calls whose cards a clinician accepts or overrides.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { evaluatePatient } from '../core/domain/evaluate.js';
import type { PatientInput } from '../core/domain/recommendation.js';
import { PROJECT_ROOT } from '../core/platform/paths.js';
import { createLogger } from '../core/platform/logger.js';
import { createRulesetRegistry, createRulesRecommender } from '../core/rules/ruleset-registry.js';
import { openSqliteStore } from '../core/store/store-sqlite.js';
import { startTestService, type TestService } from '../test/helpers/api-service.js';
import { launchChromium } from '../test/helpers/chromium.js';
import { cdsPatientView, copyShippedRuleset, writeRuleset110 } from '../test/helpers/dashboard-data.js';
import { until } from '../test/helpers/processes.js';

const { values: args } = parseArgs({ options: { out: { type: 'string', default: path.join(PROJECT_ROOT, 'docs', 'dashboard.png') }, width: { type: 'string', default: '1280' } } });
const DAY_MS = 24 * 60 * 60 * 1000;
/** Days before today decided by 1.0.0; the rest of the past 30 days by 1.1.0. */
const VERSION_110_FROM_DAYS_AGO = 10;

// Deterministic sample patients, so the picture only changes when the page does.
let seed = 20_250_217;
function random(): number {
  seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
  return seed / 2_147_483_648;
}
function samplePatient(n: number): PatientInput {
  const age = 18 + Math.floor(random() * 72);
  return {
    patient_id: `sample-${n}`,
    age,
    bmi: Math.round((19 + random() * 19) * 10) / 10,
    chronic_pain: random() < (age > 60 ? 0.55 : 0.15),
    recent_surgery: random() < 0.12,
  };
}
function patientsOn(date: Date): number {
  const weekend = date.getUTCDay() === 0 || date.getUTCDay() === 6;
  return (weekend ? 6 : 18) + Math.floor(random() * 8);
}

/** How often clinicians accept each card in the sample; the rest they override. */
const ACCEPTANCE: Record<string, number> = { 'Physical Therapy': 0.8, 'Weight Management Program': 0.45, 'Post-Op Rehabilitation Plan': 0.9 };

/** Today's CDS Hooks calls from an EHR, and what the clinician did with each card. Returns the number of calls. */
async function cardsWithFeedback(http: TestService['http'], token: string): Promise<number> {
  const calls = 24;
  for (let i = 0; i < calls; i += 1) {
    const patient = {
      id: `cds-sample-${i}`,
      birthDate: random() < 0.6 ? '1948-04-12' : '1986-09-30',
      chronicPain: random() < 0.6,
      bmi: random() < 0.5 ? 33.4 : 24.1,
      ...(random() < 0.3 && { surgeryDaysAgo: 6 }),
    };
    const call = await http.post('/cds-services/clinical-recommendations').set('Authorization', `Bearer ${token}`).send(cdsPatientView(patient));
    if (call.status !== 200) throw new Error(`CDS Hooks call: ${call.status} ${call.text}`);
    const cards = call.body.cards as Array<{ uuid: string; summary: string }>;
    if (cards.length === 0) continue;
    const feedback = cards.map((card) => ({
      card: card.uuid,
      outcome: random() < (ACCEPTANCE[card.summary] ?? 0.5) ? 'accepted' : 'overridden',
      outcomeTimestamp: new Date().toISOString(),
    }));
    const stored = await http.post('/cds-services/clinical-recommendations/feedback').set('Authorization', `Bearer ${token}`).send({ feedback });
    if (stored.status !== 200) throw new Error(`CDS Hooks feedback: ${stored.status} ${stored.text}`);
  }
  return calls;
}

async function main(): Promise<void> {
  const quiet = createLogger('error', { service: 'seed', stream: new Writable({ write: (_chunk, _enc, done) => done() }) });
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'dashboard-shot-data-'));
  const rulesDir = await mkdtemp(path.join(os.tmpdir(), 'dashboard-shot-rules-'));
  try {
    await copyShippedRuleset(rulesDir);
    const store = openSqliteStore({ dataDir });
    const registry = createRulesetRegistry({ dir: rulesDir, logger: quiet, pollMs: 0 });
    await registry.start();
    const today = Date.parse(`${new Date().toISOString().slice(0, 10)}T00:00:00Z`);
    let seeded = 0;
    for (let daysAgo = 29; daysAgo >= 1; daysAgo -= 1) {
      if (daysAgo === VERSION_110_FROM_DAYS_AGO) {
        await writeRuleset110(rulesDir);
        const outcome = await registry.reload();
        if (outcome.activeVersion !== '1.1.0') throw new Error(`1.1.0 did not go live: ${outcome.error ?? 'no error given'}`);
      }
      const day = new Date(today - daysAgo * DAY_MS);
      for (let i = 0, count = patientsOn(day); i < count; i += 1) {
        const at = new Date(day.getTime() + (8 + random() * 10) * 60 * 60 * 1000);
        const deps = { recommender: createRulesRecommender(registry), store, publishNew: async () => {}, now: () => at };
        await evaluatePatient(deps, samplePatient(seeded));
        seeded += 1;
      }
    }
    await registry.close();
    await store.close();

    const svc = await startTestService({ RULES_DIR: rulesDir, LOG_LEVEL: 'error' }, dataDir);
    try {
      const analyst = svc.token(['reports:read', 'rules:read'], 'analyst');
      const writer = svc.token(['recommendations:write']);
      for (let i = 0; i < 14; i += 1) {
        const res = await svc.http.post('/evaluate').set('Authorization', `Bearer ${writer}`).send(samplePatient(seeded + i));
        if (res.status !== 201) throw new Error(`POST /evaluate: ${res.status} ${res.text}`);
      }
      const cdsCalls = await cardsWithFeedback(svc.http, svc.token(['recommendations:write'], 'ehr'));
      const expected = seeded + 14 + cdsCalls;
      // The relay publishes the seeded events and the worker counts them: wait for the report to hold them all.
      await until(
        async () => (await svc.http.get('/reports/summary').set('Authorization', `Bearer ${analyst}`)).body.total === expected,
        `the worker to count ${expected} recommendations`,
        60_000,
        200,
      );

      const browser = await launchChromium();
      if (browser === undefined) throw new Error('chromium is needed for the screenshot');
      try {
        const page = await browser.newPage({ viewport: { width: Number(args.width), height: 900 }, reducedMotion: 'reduce', locale: 'en-US' });
        await page.goto(`http://127.0.0.1:${svc.service.port}/dashboard`);
        await page.fill('#token', analyst);
        await page.press('#token', 'Enter');
        await page.waitForSelector('body[data-state="ready"]');
        await page.screenshot({ path: args.out, fullPage: true });
      } finally {
        await browser.close();
      }
      console.log(`${args.out}: ${expected} recommendations over 30 days`);
    } finally {
      await svc.stop();
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
    await rm(rulesDir, { recursive: true, force: true });
  }
}

await main();
