import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { createLruCache } from '../core/cache/cache-lru.js';
import { silentLogger } from '../core/platform/logger.js';
import { eventFor, type Recommendation, type RecommendationEvent } from '../core/domain/recommendation.js';
import { openSqliteStore } from '../core/store/store-sqlite.js';
import type { RecommendationStore } from '../core/store/store.js';
import type { Delivery, NotificationChannel } from '../worker/channels/channel.js';
import { simulatedChannel } from '../worker/channels/simulated.js';
import { openDeliveryLog, type DeliveryLog } from '../worker/delivery-log.js';
import { processRecommendationEvent, type ProcessDeps } from '../worker/process-event.js';
import { aRecommendation } from './helpers/fixtures.js';

/**
 * A channel that fails its first `failures` deliveries, records the ones that
 * went out, and can be held mid-delivery (`hold`) to stand for a worker that
 * dies there.
 */
function countingChannel(name: string, failures = 0) {
  let left = failures;
  const delivered: Delivery[] = [];
  let held: Promise<never> | undefined;
  const channel: NotificationChannel & { delivered: Delivery[]; hold(): void } = {
    name,
    delivered,
    hold() {
      held = new Promise<never>(() => undefined);
    },
    async deliver(delivery) {
      if (held) return held;
      if (left > 0) {
        left -= 1;
        throw new Error('provider unavailable');
      }
      delivered.push(delivery);
      return { duplicate: false };
    },
    close: async () => undefined,
  };
  return channel;
}

describe('worker: processing a recommendation event', () => {
  let store: RecommendationStore;
  let dir: string;
  let deliveryLog: DeliveryLog;
  beforeEach(async () => {
    store = openSqliteStore({ file: ':memory:' });
    dir = await mkdtemp(path.join(os.tmpdir(), 'worker-event-'));
    deliveryLog = await openDeliveryLog(path.join(dir, 'deliveries.jsonl'));
  });
  afterEach(async () => {
    await store.close();
    await deliveryLog.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function stored(): Promise<{ rec: Recommendation; event: RecommendationEvent }> {
    const rec = aRecommendation({ patient_id: 77, created_at: '2026-03-04T10:00:00.000Z' });
    await store.createRecommendation(rec, eventFor(rec));
    return { rec, event: eventFor(rec) };
  }

  const deps = (...channels: NotificationChannel[]): ProcessDeps => ({
    store,
    cache: createLruCache({ ttlSeconds: 60 }),
    channels,
    deliveryLog,
    logger: silentLogger,
    now: () => new Date('2026-03-04T10:00:05.000Z'),
  });
  const notifications = async (id: string) => (await store.getRecommendation(id))?.notifications;
  const attempt = (d: ProcessDeps, event: RecommendationEvent) => processRecommendationEvent(d, event).then(() => undefined, (err: unknown) => err);

  it('writes the audit, notifies on each channel once with its key, and counts once, however often the event arrives', async () => {
    const { rec, event } = await stored();
    const email = countingChannel('email');
    const sms = countingChannel('sms');

    for (let i = 0; i < 3; i += 1) await processRecommendationEvent(deps(email, sms), event);

    expect(email.delivered).to.deep.equal([
      { key: `${rec.id}:email`, recommendationId: rec.id, channel: 'email', patientId: 77, titles: ['Physical Therapy'] },
    ]);
    expect(sms.delivered.map((d) => d.key)).to.deep.equal([`${rec.id}:sms`]);
    expect(await notifications(rec.id)).to.deep.equal([
      { channel: 'email', status: 'sent', sent_at: '2026-03-04T10:00:05.000Z' },
      { channel: 'sms', status: 'sent', sent_at: '2026-03-04T10:00:05.000Z' },
    ]);
    expect(await store.getAudit(rec.id)).to.deep.include({
      recommendationId: rec.id,
      patientId: 77,
      recommendation: 'Physical Therapy',
      codes: rec.recommendations.map((r) => r.code),
      ruleset: rec.ruleset,
      decidedAt: rec.created_at,
    });
    expect(await store.reportSummary('2026-03-04', '2026-03-04')).to.include({ total: 1 });
  });

  it('records both notifications pending before any delivery, and sent only once the channel confirmed', async () => {
    const { rec, event } = await stored();
    const email = countingChannel('email');
    email.hold();

    void processRecommendationEvent(deps(email, countingChannel('sms')), event);
    await waitFor(async () => (await notifications(rec.id))?.[1]?.status === 'sent');

    expect(await notifications(rec.id)).to.deep.equal([
      { channel: 'email', status: 'pending', sent_at: null },
      { channel: 'sms', status: 'sent', sent_at: '2026-03-04T10:00:05.000Z' },
    ]);
  });

  it('delivers a notification left pending by a worker that died mid-delivery again, with the same key', async () => {
    const { rec, event } = await stored();
    const dying = countingChannel('email');
    dying.hold();
    void processRecommendationEvent(deps(dying), event);
    await waitFor(async () => (await notifications(rec.id))?.[0]?.status === 'pending');

    // The queue redelivers the event to another worker.
    const next = countingChannel('email');
    await processRecommendationEvent(deps(next), event);

    expect(next.delivered.map((d) => d.key)).to.deep.equal([`${rec.id}:email`]);
    expect(await notifications(rec.id)).to.deep.equal([{ channel: 'email', status: 'sent', sent_at: '2026-03-04T10:00:05.000Z' }]);
  });

  it('marks a failed delivery failed and throws, so that the queue retries; the retry sends it once', async () => {
    const { rec, event } = await stored();
    const email = countingChannel('email', 1);

    const error = await attempt(deps(email), event);

    expect(error).to.be.instanceOf(Error).with.property('message', 'provider unavailable');
    expect(await notifications(rec.id)).to.deep.equal([{ channel: 'email', status: 'failed', sent_at: null }]);
    await processRecommendationEvent(deps(email), event);
    expect(email.delivered).to.have.length(1);
    expect(await notifications(rec.id)).to.deep.equal([{ channel: 'email', status: 'sent', sent_at: '2026-03-04T10:00:05.000Z' }]);
    expect(await store.reportSummary('2026-03-04', '2026-03-04')).to.include({ total: 1 });
  });

  it('with two channels, retries only the one whose delivery failed', async () => {
    const { rec, event } = await stored();
    const email = countingChannel('email');
    const sms = countingChannel('sms', 1);

    expect(await attempt(deps(email, sms), event)).to.be.instanceOf(Error);
    expect((await notifications(rec.id))?.map((n) => n.status)).to.deep.equal(['sent', 'failed']);
    await processRecommendationEvent(deps(email, sms), event);

    expect(email.delivered).to.have.length(1);
    expect(sms.delivered).to.have.length(1);
    expect((await notifications(rec.id))?.map((n) => n.status)).to.deep.equal(['sent', 'sent']);
  });

  it('does not deliver again what the delivery log shows confirmed: a worker that died before recording sent', async () => {
    const { rec, event } = await stored();
    await store.beginNotifications(rec.id, ['email']);
    await deliveryLog.append({ key: `${rec.id}:email`, at: '2026-03-04T10:00:02.000Z', recommendation_id: rec.id, channel: 'email' });
    const email = countingChannel('email');

    await processRecommendationEvent(deps(email), event);

    expect(email.delivered).to.deep.equal([]);
    expect(await notifications(rec.id)).to.deep.equal([{ channel: 'email', status: 'sent', sent_at: '2026-03-04T10:00:02.000Z' }]);
  });

  it('logs each confirmed delivery once, under its key, and does not deliver a logged key again', async () => {
    const { rec, event } = await stored();
    await processRecommendationEvent(deps(countingChannel('email'), countingChannel('sms')), event);
    // As if the worker had died after both deliveries, before recording them: a store without the records.
    await store.close();
    store = openSqliteStore({ file: ':memory:' });
    await store.createRecommendation(rec, event);
    const again = [countingChannel('email'), countingChannel('sms')];

    await processRecommendationEvent(deps(...again), event);

    expect(again.flatMap((c) => c.delivered)).to.deep.equal([]);
    expect((await notifications(rec.id))?.map((n) => n.status)).to.deep.equal(['sent', 'sent']);
    const lines = (await readFile(deliveryLog.file, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { key: string });
    expect(lines.map((l) => l.key).sort()).to.deep.equal([`${rec.id}:email`, `${rec.id}:sms`]);
  });

  it('through a simulated channel: a key already in its file is not written again, also after a restart', async () => {
    const { rec, event } = await stored();
    const file = path.join(dir, 'notifications-email.jsonl');
    const key = `${rec.id}:email`;
    // A worker wrote the message and died before anything else recorded it.
    const before = await openDeliveryLog(file);
    await before.append({ key, at: '2026-03-04T10:00:01.000Z' });
    await before.close();

    const outbox = await openDeliveryLog(file);
    const email = simulatedChannel({ name: 'email', outbox, logger: silentLogger });
    await processRecommendationEvent(deps(email), event);
    const repeat = await email.deliver({ key, recommendationId: rec.id, channel: 'email', patientId: 77, titles: [] });
    await email.close();

    expect(repeat).to.deep.equal({ duplicate: true });
    expect((await notifications(rec.id))?.[0]?.status).to.equal('sent');
    const lines = (await readFile(file, 'utf8')).trim().split('\n');
    expect(lines.map((l) => (JSON.parse(l) as { key: string }).key)).to.deep.equal([key]);
  });

  it('records the channels that confirm together as sent in one store write', async () => {
    const { rec, event } = await stored();
    const writes: string[][] = [];
    const counting: RecommendationStore = {
      ...store,
      markNotificationsSent: (id, sent) => (writes.push(sent.map((s) => s.channel)), store.markNotificationsSent(id, sent)),
    };

    await processRecommendationEvent({ ...deps(countingChannel('email'), countingChannel('sms')), store: counting }, event);

    expect(writes.map((w) => [...w].sort())).to.deep.equal([['email', 'sms']]);
    expect((await notifications(rec.id))?.map((n) => n.status)).to.deep.equal(['sent', 'sent']);
  });

  it('invalidates the cached view when a notification changed, and not on a redelivery', async () => {
    const { rec, event } = await stored();
    const invalidated: string[] = [];
    const cache = { ...createLruCache({ ttlSeconds: 60 }), invalidate: async (id: string) => void invalidated.push(id) };
    const withCache = { ...deps(countingChannel('email')), cache };

    await processRecommendationEvent(withCache, event);
    await processRecommendationEvent(withCache, event);

    expect(invalidated).to.deep.equal([rec.id]);
  });

  it('fails, so that the queue retries, when the recommendation is not in the store yet', async () => {
    const rec = aRecommendation({ patient_id: 77, created_at: '2026-03-04T10:00:00.000Z' });
    const error = await attempt(deps(countingChannel('email')), eventFor(rec));
    expect(error).to.be.instanceOf(Error).with.property('message').that.includes(rec.id);
  });
});

/** Bounded wait for a state the code under test reaches on its own (no event announces it). */
async function waitFor(condition: () => Promise<boolean>, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not reached');
    await new Promise((resolve) => setImmediate(resolve));
  }
}
