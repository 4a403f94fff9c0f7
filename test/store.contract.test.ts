import { randomInt, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { MongoClient } from 'mongodb';
import { v7 as uuidv7 } from 'uuid';
import { eventFor, patientKey, type Notification, type PatientFacts, type PatientId, type Recommendation } from '../core/domain/recommendation.js';
import { decodeCursor, encodeCursor } from '../core/store/history-cursor.js';
import { toRecord } from '../core/store/recommendation-record.js';
import type { AuditRecord, IdempotencyClaim, RecommendationStore, ReplayableDecision } from '../core/store/store.js';
import type { RecommendationDoc } from '../core/store/mongo-collections.js';
import { historyQuery } from '../core/store/mongo-report.js';
import { openMongoStore } from '../core/store/store-mongo.js';
import { openSqliteStore } from '../core/store/store-sqlite.js';
import { aRecommendation } from './helpers/fixtures.js';

/**
 * The behaviour of `RecommendationStore`, written once and run against every
 * adapter. Tests share one store per adapter and never wipe it: each makes
 * its own patients, ids, idempotency keys and report days.
 */
interface StoreHarness {
  /** Opens a store over this harness's data; call again to reopen the same data. */
  open(): Promise<RecommendationStore>;
  dispose(): Promise<void>;
}

const HOUR = 3_600_000;

function claim(overrides: Partial<IdempotencyClaim> = {}): IdempotencyClaim {
  const expiresAt = new Date(Date.now() + HOUR);
  return { subject: `sub-${randomUUID()}`, key: randomUUID(), fingerprint: 'fp-1', expiresAt, ...overrides };
}

function audit(rec: Recommendation): AuditRecord {
  return {
    recommendationId: rec.id,
    patientId: rec.patient_id,
    recommendation: rec.recommendation,
    codes: rec.recommendations.map((r) => r.code),
    ruleset: rec.ruleset,
    decidedAt: rec.created_at,
    recordedAt: new Date().toISOString(),
  };
}

/** `n` consecutive `YYYY-MM-DD` days far from any other test's. */
function uniqueDays(n: number): string[] {
  const start = Date.UTC(2100, 0, 1) + randomInt(0, 300_000) * 24 * HOUR;
  return Array.from({ length: n }, (_, i) => new Date(start + i * 24 * HOUR).toISOString().slice(0, 10));
}

/** A notification the way the worker leaves it once the channel confirmed: begun, then sent. */
async function sendNotification(store: RecommendationStore, id: string, channel: string, sentAt: string): Promise<Notification> {
  await store.beginNotifications(id, [channel]);
  await store.markNotificationsSent(id, [{ channel, sentAt }]);
  return { channel, status: 'sent', sent_at: sentAt };
}

function storeContract(name: string, makeHarness: () => Promise<StoreHarness>): void {
  describe(`${name} store contract`, () => {
    let harness: StoreHarness;
    let store: RecommendationStore;

    before(async () => {
      harness = await makeHarness();
      store = await harness.open();
    });
    after(async () => {
      // Nothing to clean when the adapter never opened (server unreachable).
      if (!store) return;
      await store.close();
      await harness.dispose();
    });

    const create = (rec: Recommendation, idempotency?: IdempotencyClaim) =>
      store.createRecommendation(rec, eventFor(rec), idempotency);
    const pendingIds = async () => (await store.pendingEvents(100_000)).map((e) => e.recommendationId);
    const historyIds = async (id: PatientId) =>
      (await store.listPatientRecommendations(patientKey(id), 100)).items.map((r) => r.id);

    it('answers ping', async () => {
      await store.ping();
    });

    describe('createRecommendation and getRecommendation', () => {
      it('stores a recommendation and reads it back unchanged', async () => {
        const rec = aRecommendation();
        expect(await create(rec)).to.deep.equal({ outcome: 'created', recommendation: rec });
        expect(await store.getRecommendation(rec.id)).to.deep.equal(rec);
      });

      it('returns undefined for an unknown id', async () => {
        expect(await store.getRecommendation(randomUUID())).to.equal(undefined);
      });

      it('echoes patient_id in the type it was sent, and 123 and "123" share one history', async () => {
        const n = randomInt(1, 2 ** 47);
        const asNumber = aRecommendation({ patient_id: n, created_at: '2025-01-01T00:00:00.000Z' });
        const asString = aRecommendation({ patient_id: String(n), created_at: '2025-01-02T00:00:00.000Z' });
        await create(asNumber);
        await create(asString);
        expect((await store.getRecommendation(asNumber.id))?.patient_id).to.equal(n);
        expect((await store.getRecommendation(asString.id))?.patient_id).to.equal(String(n));
        const page = await store.listPatientRecommendations(patientKey(n), 10);
        expect(page.items.map((r) => r.patient_id)).to.deep.equal([String(n), n]);
      });

      it('stores a recommendation with no fired rule', async () => {
        const rec = aRecommendation({ recommendation: null, recommendations: [] });
        await create(rec);
        expect(await store.getRecommendation(rec.id)).to.deep.equal(rec);
      });

      it('stores the pending event together with the recommendation', async () => {
        const rec = aRecommendation();
        await create(rec);
        const pending = (await store.pendingEvents(100_000)).find((e) => e.recommendationId === rec.id);
        expect(pending).to.deep.equal({ recommendationId: rec.id, event: eventFor(rec), attempts: 0 });
      });

      it('joins notifications into the recommendation in channel order, whenever each was sent', async () => {
        const rec = aRecommendation();
        await create(rec);
        const sms = await sendNotification(store, rec.id, 'sms', '2025-02-17T10:00:01.000Z');
        const email = await sendNotification(store, rec.id, 'email', '2025-02-17T10:00:02.000Z');
        expect((await store.getRecommendation(rec.id))?.notifications).to.deep.equal([email, sms]);
      });
    });

    describe('getRecord', () => {
      it('reads back the stored decision, without the notifications recorded since', async () => {
        const rec = aRecommendation({ patient_id: randomInt(1, 2 ** 47) });
        await create(rec);
        await sendNotification(store, rec.id, 'email', '2025-02-17T10:00:01.000Z');
        expect(await store.getRecord(rec.id)).to.deep.equal(toRecord(rec));
      });

      it('returns undefined for an unknown id', async () => {
        expect(await store.getRecord(randomUUID())).to.equal(undefined);
      });
    });

    describe('listPatientRecommendations', () => {
      it('pages newest first, ties in created_at broken by id, without gaps or repeats', async () => {
        const patient = `p-${randomUUID()}`;
        const times = ['2025-03-01T00:00:00.000Z', '2025-03-02T00:00:00.000Z', '2025-03-03T00:00:00.000Z'];
        const recs = [0, 0, 1, 1, 1, 2, 2].map((t) => aRecommendation({ patient_id: patient, created_at: times[t] }));
        for (const rec of recs) await create(rec);
        const expected = [...recs]
          .sort((a, b) => (a.created_at === b.created_at ? (a.id < b.id ? 1 : -1) : a.created_at < b.created_at ? 1 : -1))
          .map((r) => r.id);

        const seen: string[] = [];
        let cursor: string | undefined;
        let pages = 0;
        do {
          const page = await store.listPatientRecommendations(patient, 2, cursor ? decodeCursor(cursor) : undefined);
          pages += 1;
          seen.push(...page.items.map((r) => r.id));
          cursor = page.next && encodeCursor(page.next);
        } while (cursor);
        expect(seen).to.deep.equal(expected);
        expect(pages).to.equal(4);
      });

      it('lists recommendations created in the same millisecond newest first, by their time-ordered ids', async () => {
        const patient = `p-${randomUUID()}`;
        const sameMillisecond = new Date().toISOString();
        const recs = Array.from({ length: 5 }, () =>
          aRecommendation({ id: uuidv7(), patient_id: patient, created_at: sameMillisecond }),
        );
        await Promise.all(recs.map((rec) => create(rec)));
        expect(await historyIds(patient)).to.deep.equal(recs.map((r) => r.id).reverse());
      });

      it('has no next when the last page is exactly full', async () => {
        const patient = `p-${randomUUID()}`;
        await create(aRecommendation({ patient_id: patient }));
        await create(aRecommendation({ patient_id: patient }));
        const page = await store.listPatientRecommendations(patient, 2);
        expect(page.items).to.have.length(2);
        expect(page).not.to.have.property('next');
      });

      it('returns an empty page for an unknown patient', async () => {
        expect(await store.listPatientRecommendations(`p-${randomUUID()}`, 20)).to.deep.equal({ items: [] });
      });

      it('includes each item with its notifications', async () => {
        const rec = aRecommendation();
        await create(rec);
        const email = await sendNotification(store, rec.id, 'email', new Date().toISOString());
        const page = await store.listPatientRecommendations(patientKey(rec.patient_id), 20);
        expect(page.items).to.deep.equal([{ ...rec, notifications: [email] }]);
      });
    });

    describe('idempotency keys', () => {
      it('replays the original for the same key and body, writing nothing new', async () => {
        const key = claim();
        const first = aRecommendation();
        const retry = aRecommendation({ patient_id: first.patient_id });
        expect((await create(first, key)).outcome).to.equal('created');
        expect(await create(retry, key)).to.deep.equal({ outcome: 'replayed', recommendation: first });
        expect(await store.getRecommendation(retry.id)).to.equal(undefined);
        expect(await historyIds(first.patient_id)).to.deep.equal([first.id]);
        const pending = await pendingIds();
        expect(pending).to.include(first.id);
        expect(pending).not.to.include(retry.id);
      });

      it('replays the original with the notifications recorded since', async () => {
        const key = claim();
        const first = aRecommendation();
        await create(first, key);
        const email = await sendNotification(store, first.id, 'email', new Date().toISOString());
        const replay = await create(aRecommendation(), key);
        expect(replay).to.deep.equal({ outcome: 'replayed', recommendation: { ...first, notifications: [email] } });
      });

      it('reports a conflict for the same key with another body, writing nothing', async () => {
        const key = claim();
        await create(aRecommendation(), key);
        const other = aRecommendation();
        expect(await create(other, { ...key, fingerprint: 'fp-2' })).to.deep.equal({ outcome: 'conflict' });
        expect(await store.getRecommendation(other.id)).to.equal(undefined);
        expect(await pendingIds()).not.to.include(other.id);
      });

      it('treats an expired claim as absent and claims the key anew', async () => {
        const expired = claim({ expiresAt: new Date(Date.now() - 1000) });
        await create(aRecommendation(), expired);
        const fresh = { ...expired, fingerprint: 'fp-2', expiresAt: new Date(Date.now() + HOUR) };
        const second = aRecommendation();
        expect((await create(second, fresh)).outcome).to.equal('created');
        expect(await create(aRecommendation(), fresh)).to.deep.equal({ outcome: 'replayed', recommendation: second });
      });

      it('scopes a key to its subject', async () => {
        const key = claim();
        await create(aRecommendation(), key);
        const outcome = await create(aRecommendation(), { ...key, subject: `sub-${randomUUID()}`, fingerprint: 'fp-2' });
        expect(outcome.outcome).to.equal('created');
      });

      it('creates once when concurrent requests race with the same key', async () => {
        const key = claim();
        const patient = `p-${randomUUID()}`;
        const results = await Promise.all(
          Array.from({ length: 5 }, () => create(aRecommendation({ patient_id: patient }), key)),
        );
        const created = results.filter((r) => r.outcome === 'created');
        expect(created).to.have.length(1);
        const winner = created[0]?.outcome === 'created' ? created[0].recommendation.id : undefined;
        for (const r of results) expect(r.outcome === 'conflict' ? undefined : r.recommendation.id).to.equal(winner);
        expect(await historyIds(patient)).to.deep.equal([winner]);
      });

      it('settles a burst on one key by its winner: the same body replays it, another body conflicts', async () => {
        const key = claim();
        const patient = `p-${randomUUID()}`;
        const fingerprints = ['fp-1', 'fp-2', 'fp-1', 'fp-2', 'fp-1'];
        const results = await Promise.all(
          fingerprints.map((fingerprint) => create(aRecommendation({ patient_id: patient }), { ...key, fingerprint })),
        );
        const winnerAt = results.findIndex((r) => r.outcome === 'created');
        const winner = results[winnerAt];
        expect(results.filter((r) => r.outcome === 'created')).to.have.length(1);
        fingerprints.forEach((fingerprint, i) => {
          if (i === winnerAt) return;
          expect(results[i]).to.deep.equal(
            fingerprint === fingerprints[winnerAt] ? { ...winner, outcome: 'replayed' } : { outcome: 'conflict' },
          );
        });
        expect(await historyIds(patient)).to.have.length(1);
      });

      it('purges claims that expired before the given time, and only those', async () => {
        const key = claim({ expiresAt: new Date(Date.now() + HOUR) });
        await create(aRecommendation(), key);
        await store.purgeExpiredIdempotencyKeys(new Date());
        const other = { ...key, fingerprint: 'fp-2' };
        expect((await create(aRecommendation(), other)).outcome).to.equal('conflict');
        expect(await store.purgeExpiredIdempotencyKeys(new Date(Date.now() + 2 * HOUR))).to.be.at.least(1);
        expect((await create(aRecommendation(), other)).outcome).to.equal('created');
      });
    });

    describe('outbox', () => {
      it('lists pending events oldest first', async () => {
        const recs = [3, 1, 2].map((s) => aRecommendation({ created_at: `2000-01-01T00:00:0${s}.${randomInt(100, 999)}Z` }));
        for (const rec of recs) await create(rec);
        const mine = new Set(recs.map((r) => r.id));
        const order = (await pendingIds()).filter((id) => mine.has(id));
        expect(order).to.deep.equal([recs[1]?.id, recs[2]?.id, recs[0]?.id]);
      });

      it('counts failed attempts, and forgets an event once published', async () => {
        const before = await store.countPendingEvents();
        const rec = aRecommendation();
        await create(rec);
        expect(await store.countPendingEvents()).to.equal(before + 1);
        await store.markEventPublishFailed(rec.id);
        await store.markEventPublishFailed(rec.id);
        const pending = (await store.pendingEvents(100_000)).find((e) => e.recommendationId === rec.id);
        expect(pending?.attempts).to.equal(2);
        await store.markEventPublished(rec.id);
        await store.markEventPublished(rec.id);
        expect(await pendingIds()).not.to.include(rec.id);
        expect(await store.countPendingEvents()).to.equal(before);
      });

      it('honours the limit', async () => {
        await create(aRecommendation());
        await create(aRecommendation());
        expect(await store.pendingEvents(1)).to.have.length(1);
      });
    });

    describe('worker tasks', () => {
      it('records an audit once and keeps the first', async () => {
        const rec = aRecommendation();
        const first = audit(rec);
        expect(await store.recordAudit(first)).to.equal(true);
        expect(await store.recordAudit({ ...first, recordedAt: new Date(Date.now() + 1000).toISOString() })).to.equal(false);
        expect(await store.getAudit(rec.id)).to.deep.equal(first);
        expect(await store.getAudit(randomUUID())).to.equal(undefined);
      });

      it('begins notifications as pending, one per channel, in the order asked', async () => {
        const rec = aRecommendation();
        await create(rec);
        const pending = [
          { channel: 'email', status: 'pending', sent_at: null },
          { channel: 'sms', status: 'pending', sent_at: null },
        ];
        expect(await store.beginNotifications(rec.id, ['email', 'sms'])).to.deep.equal(pending);
        expect((await store.getRecommendation(rec.id))?.notifications).to.deep.equal(pending);
        expect(await store.beginNotifications(rec.id, ['sms', 'email']), 'begun again: still pending').to.deep.equal([pending[1], pending[0]]);
      });

      it('marks notifications sent with their times, several in one call; beginning them again leaves them sent', async () => {
        const rec = aRecommendation();
        await create(rec);
        await store.beginNotifications(rec.id, ['email', 'push', 'sms']);

        await store.markNotificationsSent(rec.id, [{ channel: 'email', sentAt: '2025-02-17T10:00:01.000Z' }]);

        const email = { channel: 'email', status: 'sent', sent_at: '2025-02-17T10:00:01.000Z' };
        const pending = (channel: string) => ({ channel, status: 'pending', sent_at: null });
        expect((await store.getRecommendation(rec.id))?.notifications).to.deep.equal([email, pending('push'), pending('sms')]);
        await store.markNotificationsSent(rec.id, [
          { channel: 'sms', sentAt: '2025-02-17T10:00:02.000Z' },
          { channel: 'push', sentAt: '2025-02-17T10:00:03.000Z' },
        ]);
        const all = [
          email,
          { channel: 'push', status: 'sent', sent_at: '2025-02-17T10:00:03.000Z' },
          { channel: 'sms', status: 'sent', sent_at: '2025-02-17T10:00:02.000Z' },
        ];
        expect((await store.getRecommendation(rec.id))?.notifications).to.deep.equal(all);
        expect(await store.beginNotifications(rec.id, ['email', 'push', 'sms'])).to.deep.equal(all);
        await store.markNotificationsSent(rec.id, [{ channel: 'email', sentAt: '2025-02-17T11:00:00.000Z' }]);
        await store.markNotificationFailed(rec.id, 'email');
        expect((await store.getRecommendation(rec.id))?.notifications[0], 'a sent one keeps its first time').to.deep.equal(email);
      });

      it('marks a failed delivery failed, and begins it as pending again for the retry', async () => {
        const rec = aRecommendation();
        await create(rec);
        await store.beginNotifications(rec.id, ['email']);

        await store.markNotificationFailed(rec.id, 'email');
        expect((await store.getRecommendation(rec.id))?.notifications).to.deep.equal([{ channel: 'email', status: 'failed', sent_at: null }]);

        expect(await store.beginNotifications(rec.id, ['email'])).to.deep.equal([{ channel: 'email', status: 'pending', sent_at: null }]);
        await store.markNotificationsSent(rec.id, [{ channel: 'email', sentAt: '2025-02-17T10:05:00.000Z' }]);
        expect((await store.getRecommendation(rec.id))?.notifications).to.deep.equal([{ channel: 'email', status: 'sent', sent_at: '2025-02-17T10:05:00.000Z' }]);
      });

      it('keeps one notification per channel when workers race to begin and send it', async () => {
        const rec = aRecommendation();
        await create(rec);
        await Promise.all(Array.from({ length: 10 }, () => store.beginNotifications(rec.id, ['email', 'sms'])));
        await Promise.all(
          Array.from({ length: 5 }, (_, i) => store.markNotificationsSent(rec.id, [{ channel: 'email', sentAt: `2025-02-17T10:00:0${i}.000Z` }])),
        );
        const notifications = (await store.getRecommendation(rec.id))?.notifications ?? [];
        expect(notifications.map((n) => `${n.channel}:${n.status}`)).to.deep.equal(['email:sent', 'sms:pending']);
        expect(notifications[0]?.sent_at).to.match(/^2025-02-17T10:00:0[0-4]\.000Z$/);
      });

      it('counts a recommendation in the report once, ever', async () => {
        const [day = ''] = uniqueDays(1);
        const id = randomUUID();
        expect(await store.countInReport(id, day, ['PHYSICAL_THERAPY'], '1.0.0')).to.equal(true);
        expect(await store.countInReport(id, day, ['PHYSICAL_THERAPY'], '1.0.0')).to.equal(false);
        const summary = await store.reportSummary(day, day);
        expect(summary).to.deep.equal({
          from: day, to: day, total: 1, by_code: { PHYSICAL_THERAPY: 1 }, by_ruleset_version: { '1.0.0': 1 },
          daily: [{ date: day, total: 1, by_code: { PHYSICAL_THERAPY: 1 }, by_ruleset_version: { '1.0.0': 1 } }],
        });
      });

      it('counts many recommendations of one day at once, each once (no shared counter to fight over)', async () => {
        const [day = ''] = uniqueDays(1);
        const ids = Array.from({ length: 32 }, () => randomUUID());
        // Twice each, all at once, like redelivered jobs on 16-way workers.
        const counted = await Promise.all([...ids, ...ids].map((id, i) => store.countInReport(id, day, ['A', i % 2 ? 'B' : 'A'], '1.0.0')));
        expect(counted.filter(Boolean)).to.have.length(32);
        const summary = await store.reportSummary(day, day);
        expect(summary.total).to.equal(32);
        expect(summary.by_ruleset_version).to.deep.equal({ '1.0.0': 32 });
        expect(summary.by_code.A).to.equal(32);
      });

      it('summarises an inclusive date range with a daily breakdown by date', async () => {
        const [d1 = '', d2 = '', d3 = '', d4 = ''] = uniqueDays(4);
        await store.countInReport(randomUUID(), d3, ['B'], '1.1.0');
        await store.countInReport(randomUUID(), d1, ['A', 'B'], '1.0.0');
        await store.countInReport(randomUUID(), d1, ['A'], '1.1.0');
        await store.countInReport(randomUUID(), d2, [], '1.1.0');
        await store.countInReport(randomUUID(), d4, ['A'], '1.2.0');
        expect(await store.reportSummary(d1, d3)).to.deep.equal({
          from: d1, to: d3, total: 4, by_code: { A: 2, B: 2 }, by_ruleset_version: { '1.0.0': 1, '1.1.0': 3 },
          daily: [
            { date: d1, total: 2, by_code: { A: 2, B: 1 }, by_ruleset_version: { '1.0.0': 1, '1.1.0': 1 } },
            { date: d2, total: 1, by_code: {}, by_ruleset_version: { '1.1.0': 1 } },
            { date: d3, total: 1, by_code: { B: 1 }, by_ruleset_version: { '1.1.0': 1 } },
          ],
        });
        const open = await store.reportSummary();
        expect(open).not.to.have.property('from');
        expect(open.daily.map((d) => d.date)).to.include.members([d1, d2, d3, d4]);
        expect((await store.reportSummary(d4)).daily.map((d) => d.date)).to.include(d4).and.not.include(d3);
      });
    });

    describe('decision provenance (iterateDecisions)', () => {
      const facts = (age: number): PatientFacts => ({ age, bmi: 31.2, chronic_pain: true, recent_surgery: false, observations: { smoker: true } });
      /** Our own decisions out of the shared store, in the order they came. */
      const replayable = async (ids: string[], since?: string) => {
        const seen: ReplayableDecision[] = [];
        for await (const d of store.iterateDecisions(since)) if (ids.includes(d.id)) seen.push(d);
        return seen;
      };

      it('keeps the facts a decision was made on for replay, and never returns them from a read', async () => {
        const rec = aRecommendation();
        await store.createRecommendation(rec, eventFor(rec), undefined, facts(70));
        expect(await replayable([rec.id])).to.deep.equal([{ id: rec.id, createdAt: rec.created_at, codes: ['PHYSICAL_THERAPY'], facts: facts(70) }]);
        expect(await store.getRecommendation(rec.id)).to.deep.equal(rec).and.not.to.have.property('facts');
        expect(await store.getRecord(rec.id)).not.to.have.property('facts');
        const page = await store.listPatientRecommendations(patientKey(rec.patient_id), 10);
        expect(page.items[0]).to.deep.equal(rec);
      });

      it('yields a decision stored without facts with none, so it counts as not replayable', async () => {
        const rec = aRecommendation({ recommendations: [], recommendation: null });
        await create(rec);
        expect(await replayable([rec.id])).to.deep.equal([{ id: rec.id, createdAt: rec.created_at, codes: [] }]);
      });

      it('yields oldest first, only those created at or after since, across batches', async () => {
        const base = Date.UTC(2300, 0, 1) + randomInt(0, 1_000_000) * 60_000;
        const recs = Array.from({ length: 1_205 }, (_, i) => aRecommendation({ id: uuidv7(), created_at: new Date(base + i * 1000).toISOString() }));
        for (const [n, rec] of recs.entries()) await store.createRecommendation(rec, eventFor(rec), undefined, facts(n % 130));
        const since = recs[5]?.created_at;
        const seen = await replayable(recs.map((r) => r.id), since);
        expect(seen.map((d) => d.id)).to.deep.equal(recs.slice(5).map((r) => r.id));
        expect(seen[0]?.facts).to.deep.equal(facts(5));
      });
    });

    describe('CDS Hooks provenance and card feedback', () => {
      const fromHook = () => {
        const rec = aRecommendation();
        return { ...rec, origin: { source: 'cds-hooks' as const, hook: 'patient-view', hook_instance: randomUUID(), cards: [{ uuid: randomUUID(), code: 'PHYSICAL_THERAPY' }] } };
      };
      const feedback = (card: string, outcome: 'accepted' | 'overridden', outcomeAt: string) => ({ card, outcome, outcomeAt, recordedAt: new Date().toISOString() });

      it('keeps the origin of a hook call with the recommendation and its record', async () => {
        const rec = fromHook();
        await create(rec);
        expect(await store.getRecommendation(rec.id)).to.deep.equal(rec);
        expect((await store.getRecord(rec.id))?.origin).to.deep.equal(rec.origin);
      });

      it('stores feedback on known cards once per card, outcome and time, and counts it per code by date', async () => {
        const rec = fromHook();
        await create(rec);
        const card = rec.origin.cards[0]?.uuid as string;
        const day = `2${String(randomInt(300, 999))}-01-01`;
        expect(await store.recordCardFeedback([feedback(card, 'accepted', `${day}T10:00:00.000Z`)])).to.deep.equal({ unknownCards: [] });
        await store.recordCardFeedback([feedback(card, 'accepted', `${day}T10:00:00.000Z`), feedback(card, 'overridden', `${day}T11:00:00.000Z`)]);
        expect(await store.cardFeedbackSummary(day, day)).to.deep.equal({ PHYSICAL_THERAPY: { accepted: 1, overridden: 1 } });
      });

      it('stores nothing of a batch naming an unknown card, and says which', async () => {
        const rec = fromHook();
        await create(rec);
        const day = `2${String(randomInt(300, 999))}-02-02`;
        const unknown = randomUUID();
        const result = await store.recordCardFeedback([feedback(rec.origin.cards[0]?.uuid as string, 'accepted', `${day}T10:00:00.000Z`), feedback(unknown, 'accepted', `${day}T10:00:00.000Z`)]);
        expect(result).to.deep.equal({ unknownCards: [unknown] });
        expect(await store.cardFeedbackSummary(day, day)).to.deep.equal({});
      });

      it("treats a card of another patient as unknown when feedback is limited to one patient", async () => {
        const rec = fromHook();
        await create(rec);
        const card = rec.origin.cards[0]?.uuid as string;
        const day = `2${String(randomInt(300, 999))}-03-03`;
        expect(await store.recordCardFeedback([feedback(card, 'accepted', `${day}T10:00:00.000Z`)], 'someone-else')).to.deep.equal({ unknownCards: [card] });
        expect(await store.recordCardFeedback([feedback(card, 'accepted', `${day}T10:00:00.000Z`)], patientKey(rec.patient_id))).to.deep.equal({ unknownCards: [] });
      });
    });

    it('keeps everything across close and reopen', async () => {
      const writer = await harness.open();
      const rec = aRecommendation();
      const key = claim();
      const record = audit(rec);
      await writer.createRecommendation(rec, eventFor(rec), key);
      const email = await sendNotification(writer, rec.id, 'email', new Date().toISOString());
      await writer.recordAudit(record);
      await writer.close();

      const reader = await harness.open();
      try {
        const stored = { ...rec, notifications: [email] };
        expect(await reader.getRecommendation(rec.id)).to.deep.equal(stored);
        expect(await reader.getAudit(rec.id)).to.deep.equal(record);
        const replay = await reader.createRecommendation(aRecommendation(), eventFor(rec), key);
        expect(replay).to.deep.equal({ outcome: 'replayed', recommendation: stored });
        expect((await reader.pendingEvents(100_000)).map((e) => e.recommendationId)).to.include(rec.id);
      } finally {
        await reader.close();
      }
    });
  });
}

storeContract('SQLite', async () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'store-contract-'));
  return {
    open: async () => openSqliteStore({ dataDir }),
    dispose: async () => rmSync(dataDir, { recursive: true, force: true }),
  };
});

describe('SQLite store files', () => {
  it('keeps its database as clinical.db in the data directory', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'store-file-'));
    try {
      const store = openSqliteStore({ dataDir: path.join(dataDir, 'nested') });
      await store.close();
      expect(existsSync(path.join(dataDir, 'nested', 'clinical.db'))).to.equal(true);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('runs in memory for tests', async () => {
    const store = openSqliteStore({ file: ':memory:' });
    await store.ping();
    await store.close();
  });
});

const mongoUri = process.env.MONGODB_URI;
if (mongoUri) {
  storeContract('MongoDB', async () => {
    const dbName = `store_contract_${randomUUID().replaceAll('-', '')}`;
    return {
      open: () => openMongoStore(mongoUri, { dbName }),
      async dispose() {
        const client = await MongoClient.connect(mongoUri);
        try {
          await client.db(dbName).dropDatabase();
        } finally {
          await client.close();
        }
      },
    };
  });
  describe('MongoDB history query plan', () => {
    const dbName = `history_plan_${randomUUID().replaceAll('-', '')}`;
    let store: RecommendationStore | undefined;
    let client: MongoClient | undefined;
    before(async () => {
      store = await openMongoStore(mongoUri, { dbName });
      client = await MongoClient.connect(mongoUri);
    });
    after(async () => {
      await store?.close();
      await client?.db(dbName).dropDatabase();
      await client?.close();
    });

    it('starts the index scan at the cursor, not at the patient\'s newest entry', async () => {
      const patient = `p-${randomUUID()}`;
      const start = Date.UTC(2031, 0, 1);
      for (let i = 0; i < 60; i += 1) {
        const rec = aRecommendation({ id: uuidv7(), patient_id: patient, created_at: new Date(start + i * 1000).toISOString() });
        await store!.createRecommendation(rec, eventFor(rec));
      }
      // Deep into the history: 50 newer entries lie before the cursor.
      const first = await store!.listPatientRecommendations(patientKey(patient), 50);
      expect(first.next).to.not.equal(undefined);
      const { filter, options } = historyQuery(patientKey(patient), 5, first.next);
      const plan = await client!.db(dbName).collection<RecommendationDoc>('recommendations').find(filter, options).explain('executionStats');
      const stats = plan.executionStats as { nReturned: number; totalKeysExamined: number; totalDocsExamined: number };
      expect(stats.nReturned).to.equal(6);
      expect(stats.totalKeysExamined, JSON.stringify(plan.queryPlanner)).to.be.at.most(6 + 2);
      expect(stats.totalDocsExamined).to.be.at.most(6 + 2);
      expect(JSON.stringify(plan.queryPlanner)).to.include('"indexName":"history"');
      // And the store's own page is the same one.
      const page = await store!.listPatientRecommendations(patientKey(patient), 5, first.next);
      expect(page.items.map((r) => r.created_at)).to.deep.equal(
        Array.from({ length: 5 }, (_, i) => new Date(start + (9 - i) * 1000).toISOString()),
      );
    });
  });
} else {
  describe('MongoDB store contract', () => {
    process.stderr.write(
      '\nMongoDB store contract suite skipped: set MONGODB_URI to a replica set, or run docker compose --profile test run --rm test\n',
    );
    it.skip('runs the store contract against MongoDB');
  });
}
