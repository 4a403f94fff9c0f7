import { expect } from 'chai';
import { createLruCache } from '../core/cache/cache-lru.js';
import { silentLogger } from '../core/platform/logger.js';
import { eventFor, type Recommendation, type RecommendationEvent } from '../core/domain/recommendation.js';
import { openSqliteStore } from '../core/store/store-sqlite.js';
import type { RecommendationStore } from '../core/store/store.js';
import type { NotificationChannel } from '../worker/notifier.js';
import { processRecommendationEvent, type ProcessDeps } from '../worker/process-event.js';
import { aRecommendation } from './helpers/fixtures.js';

/** A channel that fails its first `failures` deliveries and counts the ones that went out. */
function countingChannel(failures = 0, name = 'email'): NotificationChannel & { delivered: string[] } {
  let left = failures;
  const delivered: string[] = [];
  return {
    channel: name,
    delivered,
    async deliver(event) {
      if (left > 0) {
        left -= 1;
        throw new Error('mail server unavailable');
      }
      delivered.push(event.recommendation_id);
    },
  };
}

describe('worker: processing a recommendation event', () => {
  let store: RecommendationStore;
  beforeEach(() => {
    store = openSqliteStore({ file: ':memory:' });
  });
  afterEach(() => store.close());

  async function stored(): Promise<{ rec: Recommendation; event: RecommendationEvent }> {
    const rec = aRecommendation({ patient_id: 77, created_at: '2026-03-04T10:00:00.000Z' });
    await store.createRecommendation(rec, eventFor(rec));
    return { rec, event: eventFor(rec) };
  }

  const deps = (channel: NotificationChannel): ProcessDeps => ({
    store,
    cache: createLruCache({ ttlSeconds: 60 }),
    channels: [channel],
    logger: silentLogger,
  });

  it('writes the audit, notifies once and counts once, however often the event arrives', async () => {
    const { rec, event } = await stored();
    const channel = countingChannel();

    await processRecommendationEvent(deps(channel), event);
    await processRecommendationEvent(deps(channel), event);
    await processRecommendationEvent(deps(channel), event);

    expect(channel.delivered).to.deep.equal([rec.id]);
    expect((await store.getRecommendation(rec.id))?.notifications).to.have.length(1);
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

  it('gives a failed delivery back so the retry notifies the patient exactly once', async () => {
    const { rec, event } = await stored();
    const channel = countingChannel(1);

    let firstError: unknown;
    await processRecommendationEvent(deps(channel), event).catch((err: unknown) => (firstError = err));
    expect(firstError).to.be.instanceOf(Error);
    expect((await store.getRecommendation(rec.id))?.notifications, 'no claim left behind').to.deep.equal([]);

    await processRecommendationEvent(deps(channel), event);

    expect(channel.delivered).to.deep.equal([rec.id]);
    expect((await store.getRecommendation(rec.id))?.notifications).to.have.length(1);
    expect(await store.reportSummary('2026-03-04', '2026-03-04')).to.include({ total: 1 });
  });

  it('with two channels, retries only the one whose delivery failed: each notifies exactly once', async () => {
    const { rec, event } = await stored();
    const email = countingChannel(0, 'email');
    const sms = countingChannel(1, 'sms');
    const twoChannels = { ...deps(email), channels: [email, sms] };

    let firstError: unknown;
    await processRecommendationEvent(twoChannels, event).catch((err: unknown) => (firstError = err));
    expect(firstError).to.be.instanceOf(Error);
    expect((await store.getRecommendation(rec.id))?.notifications.map((n) => n.channel)).to.deep.equal(['email']);

    await processRecommendationEvent(twoChannels, event);

    expect(email.delivered).to.deep.equal([rec.id]);
    expect(sms.delivered).to.deep.equal([rec.id]);
    expect((await store.getRecommendation(rec.id))?.notifications.map((n) => n.channel).sort()).to.deep.equal(['email', 'sms']);
  });

  it('invalidates the cached view once it has notified, and not on a redelivery', async () => {
    const { rec, event } = await stored();
    const invalidated: string[] = [];
    const cache = { ...createLruCache({ ttlSeconds: 60 }), invalidate: async (id: string) => void invalidated.push(id) };
    const withCache = { ...deps(countingChannel()), cache };

    await processRecommendationEvent(withCache, event);
    await processRecommendationEvent(withCache, event);

    expect(invalidated).to.deep.equal([rec.id]);
  });

  it('fails, so that the queue retries, when the recommendation is not in the store yet', async () => {
    const rec = aRecommendation({ patient_id: 77, created_at: '2026-03-04T10:00:00.000Z' });
    let error: unknown;
    await processRecommendationEvent(deps(countingChannel()), eventFor(rec)).catch((err: unknown) => (error = err));
    expect(error).to.be.instanceOf(Error).with.property('message').that.includes(rec.id);
  });
});
