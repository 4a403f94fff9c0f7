import type { RecommendationCache } from '../core/cache/cache.js';
import type { Logger } from '../core/platform/logger.js';
import type { RecommendationEvent } from '../core/domain/recommendation.js';
import type { RecommendationStore } from '../core/store/store.js';
import type { NotificationChannel } from './notifier.js';

export interface ProcessDeps {
  store: RecommendationStore;
  /** Only invalidations: the worker changes what a view shows, it never reads views. */
  cache: Pick<RecommendationCache, 'invalidate'>;
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
  const record = await deps.store.getRecord(id);
  if (record === undefined) throw new Error(`recommendation ${id} is not in the store`);
  const codes = record.decision.recommendations.map((r) => r.code);

  // The three writes are independent, so they are issued together: a store
  // that groups concurrent writes (SQLite) commits them at once.
  const [, , claims] = await Promise.all([
    deps.store.recordAudit({
      recommendationId: id,
      patientId: record.patientId,
      recommendation: record.decision.recommendation,
      codes,
      ruleset: record.ruleset,
      decidedAt: record.createdAt,
      recordedAt: now(),
    }),
    deps.store.countInReport(id, record.createdAt.slice(0, 10), codes, record.ruleset.version),
    // The stored notification is the claim: only the call that creates it
    // delivers, so a patient is never told twice. A crash mid-delivery keeps
    // the claim (at most once, as DESIGN.md asks).
    Promise.all(
      deps.channels.map(async (channel) => ({ channel, ...(await deps.store.recordNotification(id, { channel: channel.channel, status: 'sent', sent_at: now() })) })),
    ),
  ]);

  const mine = claims.filter((claim) => claim.created);
  const deliveries = await Promise.allSettled(
    mine.map(async ({ channel, notification }) => {
      try {
        await channel.deliver(event, notification);
      } catch (err) {
        // Not delivered: give the claim back so the queue's retry delivers.
        await deps.store.releaseNotification(id, channel.channel);
        throw err;
      }
    }),
  );
  // Claimed (and perhaps given back): what the recommendation shows has changed.
  if (mine.length > 0) await deps.cache.invalidate(id);
  const failed = deliveries.find((d): d is PromiseRejectedResult => d.status === 'rejected');
  if (failed) throw failed.reason;
}
