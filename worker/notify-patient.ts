import { notificationKey } from '../core/domain/recommendation.js';
import type { Logger } from '../core/platform/logger.js';
import type { RecommendationRecord } from '../core/store/recommendation-record.js';
import type { RecommendationStore } from '../core/store/store.js';
import type { Delivery, NotificationChannel } from './channels/channel.js';
import type { DeliveryLog } from './delivery-log.js';

export interface NotifyDeps {
  store: RecommendationStore;
  channels: NotificationChannel[];
  /** Deliveries the channels confirmed, read before delivering again. */
  deliveryLog: DeliveryLog;
  logger: Logger;
  now: () => string;
}

/**
 * Tells the patient through every channel, at least once and never lost:
 * each notification is stored `pending` before its delivery and `sent` only
 * once the channel has confirmed it. A worker that dies in between leaves it
 * pending, and the queue's retry delivers it again with the same key, which
 * the delivery log, the simulated channels and (through the Message-ID) an
 * e-mail receiver recognise. Returns whether anything changed.
 */
export async function notifyPatient(deps: NotifyDeps, record: RecommendationRecord): Promise<boolean> {
  const stored = await deps.store.beginNotifications(record.id, deps.channels.map((c) => c.name));
  const open = deps.channels.filter((_, i) => stored[i]?.status !== 'sent');
  const markSent = sentMarker(deps.store, record.id);
  const outcomes = await Promise.allSettled(open.map((channel) => deliverOnce(deps, markSent, channel, deliveryOf(record, channel.name))));
  const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
  if (failed) throw failed.reason;
  return open.length > 0;
}

function deliveryOf(record: RecommendationRecord, channel: string): Delivery {
  return {
    key: notificationKey(record.id, channel),
    recommendationId: record.id,
    channel,
    patientId: record.patientId,
    titles: record.decision.recommendations.map((r) => r.title),
  };
}

type MarkSent = (channel: string, sentAt: string) => Promise<void>;

/**
 * Records `sent` as each channel confirms, one store write for the channels
 * that confirm in the same turn of the event loop (the simulated ones do):
 * the worker's share of an embedded process's writes stays small.
 */
function sentMarker(store: RecommendationStore, recommendationId: string): MarkSent {
  let batch: Array<{ channel: string; sentAt: string }> = [];
  let flush: Promise<void> | undefined;
  return (channel, sentAt) => {
    batch.push({ channel, sentAt });
    flush ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
      const sent = batch;
      batch = [];
      flush = undefined;
      return store.markNotificationsSent(recommendationId, sent);
    });
    return flush;
  };
}

async function deliverOnce(deps: NotifyDeps, markSent: MarkSent, channel: NotificationChannel, delivery: Delivery): Promise<void> {
  const { recommendationId, key } = delivery;
  try {
    // Logged: a worker confirmed it and died before recording `sent`; only the record is missing.
    let sentAt = await deps.deliveryLog.find(key);
    if (sentAt === undefined) {
      const receipt = await channel.deliver(delivery);
      sentAt = deps.now();
      await deps.deliveryLog.append({ key, at: sentAt, recommendation_id: recommendationId, channel: channel.name, duplicate: receipt.duplicate });
    }
    await markSent(channel.name, sentAt);
  } catch (err) {
    await deps.store.markNotificationFailed(recommendationId, channel.name).catch((markErr: unknown) =>
      deps.logger.warn({ err: markErr, recommendation_id: recommendationId, channel: channel.name }, 'could not record a failed delivery; it stays pending'),
    );
    throw err;
  }
}
