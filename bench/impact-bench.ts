import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { v7 as uuidv7 } from 'uuid';
import { toFacts } from '../core/domain/patient-facts.js';
import { eventFor, type Recommendation } from '../core/domain/recommendation.js';
import { replayImpact } from '../core/rules/impact.js';
import { checkRulesetBytes } from '../core/rules/ruleset-file.js';
import { openSqliteStore } from '../core/store/store-sqlite.js';
import { patientSource } from './patients.js';

const DECISIONS = 50_000;

/**
 * Impact replay rate: DECISIONS decisions stored with their facts in a fresh
 * SQLite store (as POST /evaluate stores them), then replayed with the
 * shipped ruleset, streamed from the store. Decisions per second of wall time.
 */
export async function impactRate(shippedBytes: Buffer): Promise<{ decisions: number; replayedPerSec: number }> {
  const checked = await checkRulesetBytes(shippedBytes, 'rules/1.0.0.json');
  const compiled = checked.compiled;
  if (compiled === undefined) throw new Error('the shipped ruleset is invalid');
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'clinical-impact-bench-'));
  const store = openSqliteStore({ dataDir });
  try {
    const patients = patientSource(5000, 11);
    for (let i = 0; i < DECISIONS; i += 1) {
      const input = patients.next();
      const facts = toFacts(input);
      const decision = compiled.decide(facts);
      const rec: Recommendation = {
        id: uuidv7(),
        patient_id: input.patient_id,
        recommendation: decision.recommendations[0]?.title ?? null,
        recommendations: decision.recommendations,
        ruleset: decision.ruleset,
        created_at: new Date().toISOString(),
        notifications: [],
      };
      await store.createRecommendation(rec, eventFor(rec), undefined, facts);
    }
    const start = performance.now();
    const report = await replayImpact(compiled, store.iterateDecisions());
    const seconds = (performance.now() - start) / 1000;
    if (report.replayed !== DECISIONS || report.changed !== 0) throw new Error(`impact replay of the deciding ruleset changed ${report.changed} of ${report.replayed}`);
    return { decisions: report.replayed, replayedPerSec: report.replayed / seconds };
  } finally {
    await store.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}
