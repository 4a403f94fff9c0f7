import type { RecommendationCache } from '../core/cache/cache.js';
import type { Logger } from '../core/platform/logger.js';
import type { RecommendationEvent } from '../core/domain/recommendation.js';
import type { RecommendationStore } from '../core/store/store.js';
import type { NotificationChannel } from './channels/channel.js';
import type { DeliveryLog } from './delivery-log.js';
import { notifyPatient } from './notify-patient.js';

export interface ProcessDeps {
  store: RecommendationStore;
  /** Only invalidations: the worker changes what a view shows, it never reads views. */
  cache: Pick<RecommendationCache, 'invalidate'>;
  channels: NotificationChannel[];
  deliveryLog: DeliveryLog;
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

  // The three tasks are independent, so they run together.
  await Promise.all([
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
    // What the recommendation shows has changed (pending, sent or failed): its cached view goes.
    // A CDS Hooks recommendation is the clinician's card: audited and counted, never notified.
    (record.origin?.source === 'cds-hooks' ? Promise.resolve(false) : notifyPatient({ ...deps, now }, record)).then(
      async (changed) => {
        if (changed) await deps.cache.invalidate(id);
      },
      async (err: unknown) => {
        await deps.cache.invalidate(id);
        throw err;
      },
    ),
  ]);
}
