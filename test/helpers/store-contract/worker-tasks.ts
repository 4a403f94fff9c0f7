import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import type { RecommendationStore } from '../../../core/store/store.js';
import { aRecommendation } from '../fixtures.js';
import { audit, contractOps, uniqueDays, type ContractContext } from './context.js';

/** What the worker records per event: the audit, each channel's notification, the report counts. */
export function workerTasksContract(ctx: ContractContext): void {
  let store: RecommendationStore;
  before(() => {
    store = ctx.store;
  });
  const { create } = contractOps(ctx);

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
}
