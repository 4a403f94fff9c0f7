import type { RecommendationCache } from '../core/cache/cache.js';
import type { Logger } from '../core/logger.js';
import type { RecommendationEvent } from '../core/recommendation.js';
import type { RecommendationStore } from '../core/store/store.js';
import type { NotificationChannel } from './notifier.js';

export interface ProcessDeps {
  store: RecommendationStore;
  cache: RecommendationCache;
  channels: NotificationChannel[];
  logger: Logger;
  now?: () => Date;
}

/**
 * The worker's three tasks for one recommendation. Each is idempotent per
 * recommendation id, so a retry or a duplicate delivery changes nothing.
 */
export async function processRecommendationEvent(deps: ProcessDeps, event: RecommendationEvent): Promise<void> {
  const now = () => (deps.now ?? (() => new Date()))().toISOString();
  const id = event.recommendation_id;
  const rec = await deps.store.getRecommendation(id);
  if (rec === undefined) throw new Error(`recommendation ${id} is not in the store`);

  await deps.store.recordAudit({
    recommendationId: id,
    patientId: rec.patient_id,
    recommendation: rec.recommendation,
    codes: rec.recommendations.map((r) => r.code),
    ruleset: rec.ruleset,
    decidedAt: rec.created_at,
    recordedAt: now(),
  });

  for (const channel of deps.channels) {
    // The stored record is the claim: only the call that creates it delivers,
    // so a patient is never told twice. A failed delivery releases the claim;
    // a crash mid-delivery keeps it (at most once, as DESIGN.md asks).
    const { notification, created } = await deps.store.recordNotification(id, { channel: channel.channel, status: 'sent', sent_at: now() });
    if (created) {
      try {
        await channel.deliver(event, notification);
      } catch (err) {
        // Not delivered: give the claim back so the queue's retry delivers.
        await deps.store.releaseNotification(id, channel.channel);
        throw err;
      }
      await deps.cache.invalidate(id);
    }
  }

  await deps.store.countInReport(id, rec.created_at.slice(0, 10), rec.recommendations.map((r) => r.code));
}
