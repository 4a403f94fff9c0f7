import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { AppError } from '../core/platform/errors.js';
import { eventFor, patientKey, type Recommendation } from '../core/domain/recommendation.js';
import type { IdempotencyClaim, RecommendationStore } from '../core/store/store.js';
import { openSqliteStore } from '../core/store/store-sqlite.js';
import { aRecommendation } from './helpers/fixtures.js';

/**
 * What the group commit means for the SQLite store's callers: writes issued
 * without awaiting in between share one transaction, in arrival order, yet
 * each succeeds or fails on its own, and nothing queued is lost on close.
 * (The store contract holds as well: test/store.contract.test.ts.)
 */
describe('SQLite store group commit', () => {
  let dataDir: string;
  let store: RecommendationStore;

  beforeEach(() => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'store-group-commit-'));
    store = openSqliteStore({ dataDir });
  });
  afterEach(async () => {
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const create = (rec: Recommendation, claim?: IdempotencyClaim) => store.createRecommendation(rec, eventFor(rec), claim);
  const claim = (fingerprint: string, subject = 'sub-1', key = 'key-1'): IdempotencyClaim => ({
    subject,
    key,
    fingerprint,
    expiresAt: new Date(Date.now() + 3_600_000),
  });

  it('settles same-key creates of one turn in arrival order: the first is created, a retry replays it, another body conflicts', async () => {
    const first = aRecommendation();
    const retry = aRecommendation({ patient_id: first.patient_id });
    const other = aRecommendation({ patient_id: first.patient_id });

    const results = await Promise.all([create(first, claim('fp-1')), create(other, claim('fp-2')), create(retry, claim('fp-1'))]);

    expect(results).to.deep.equal([
      { outcome: 'created', recommendation: first },
      { outcome: 'conflict' },
      { outcome: 'replayed', recommendation: first },
    ]);
    const history = await store.listPatientRecommendations(patientKey(first.patient_id), 10);
    expect(history.items.map((r) => r.id)).to.deep.equal([first.id]);
    expect((await store.pendingEvents(10)).map((e) => e.recommendationId)).to.deep.equal([first.id]);
  });

  it('rejects only the create that fails (a duplicate id) and stores the creates beside it', async () => {
    const a = aRecommendation();
    const b = aRecommendation();

    const results = await Promise.allSettled([create(a), create({ ...b, id: a.id }), create(b)]);

    expect(results.map((r) => r.status)).to.deep.equal(['fulfilled', 'rejected', 'fulfilled']);
    expect(await store.getRecommendation(a.id)).to.deep.equal(a);
    expect(await store.getRecommendation(b.id)).to.deep.equal(b);
    expect((await store.pendingEvents(10)).map((e) => e.recommendationId).sort()).to.deep.equal([a.id, b.id].sort());
  });

  it('on close, stores every write still queued and resolves it; a reopened store reads it back', async () => {
    const rec = aRecommendation();
    const email = { channel: 'email', status: 'sent' as const, sent_at: new Date().toISOString() };
    const day = rec.created_at.slice(0, 10);
    const writes = [
      create(rec),
      store.recordNotification(rec.id, email),
      store.countInReport(rec.id, day, ['PHYSICAL_THERAPY']),
      store.markEventPublished(rec.id),
    ];

    await store.close();

    expect(await Promise.all(writes)).to.deep.equal([
      { outcome: 'created', recommendation: rec },
      { notification: email, created: true },
      true,
      undefined,
    ]);
    store = openSqliteStore({ dataDir });
    expect(await store.getRecommendation(rec.id)).to.deep.equal({ ...rec, notifications: [email] });
    expect((await store.reportSummary(day, day)).total).to.equal(1);
    expect(await store.countPendingEvents()).to.equal(0);
  });

  it('rejects a write after close as unavailable', async () => {
    await store.close();
    const write = store.recordAudit({
      recommendationId: randomUUID(),
      patientId: 1,
      recommendation: null,
      codes: [],
      ruleset: aRecommendation().ruleset,
      decidedAt: new Date().toISOString(),
      recordedAt: new Date().toISOString(),
    });
    const [result] = await Promise.allSettled([write]);
    expect(result?.status).to.equal('rejected');
    expect((result as PromiseRejectedResult).reason).to.be.instanceOf(AppError).with.property('code', 'UNAVAILABLE');
  });
});
