import type { Logger } from '../platform/logger.js';
import type { RecommendationEvent } from '../domain/recommendation.js';
import type { EventPublisher } from './queue.js';
import type { RecommendationStore } from '../store/store.js';

/**
 * Moves pending events from the store (written in the same transaction as
 * their recommendation) to the broker, and marks them published. This is
 * what makes delivery at-least-once: a broker outage only delays events,
 * and a duplicate publish is dropped by the queue's dedupe on recommendation id.
 */
export interface OutboxRelayOptions {
  store: RecommendationStore;
  publisher: EventPublisher;
  logger: Logger;
  /** Pause between passes; also how soon publishing resumes after a broker outage. */
  intervalMs?: number;
  batchSize?: number;
  /**
   * Who confirms an event. 'broker' (BullMQ): accepted by Redis is durable, so
   * the relay marks it published. 'consumer' (the in-process queue): memory is
   * not durable, so the event stays pending until the worker has processed it
   * (and marks it then); after a crash, the next start republishes it.
   */
  confirmedBy?: 'broker' | 'consumer';
}

export interface OutboxRelay {
  /** Runs a pass at once (events left from before a restart), then one per interval. */
  start(): void;
  /** Stops scheduling and waits for the pass in flight. */
  stop(): Promise<void>;
  /**
   * Runs a pass soon: now, or right after the one in flight (many kicks
   * coalesce into that one). Resolves when that pass is over; never rejects.
   * While the broker is known to be down, waits for the interval instead.
   */
  kick(): Promise<void>;
  /**
   * Publishes one just-stored event at once, without reading the outbox (the
   * per-request path). A failure leaves it pending for the next pass; never rejects.
   */
  publishNew(event: RecommendationEvent): Promise<void>;
}

export function createOutboxRelay(options: OutboxRelayOptions): OutboxRelay {
  const { store, publisher, logger, intervalMs = 1000, batchSize = 100, confirmedBy = 'broker' } = options;
  let running = false;
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<void> | undefined;
  let queued: Promise<void> | undefined;
  let brokerDownUntil = 0;

  /** Publishes one event; false when the broker refused it (it stays pending). */
  async function publishOne(event: RecommendationEvent): Promise<boolean> {
    const id = event.recommendation_id;
    try {
      await publisher.publish(event);
    } catch (err) {
      brokerDownUntil = Date.now() + intervalMs;
      logger.warn({ err, recommendation_id: id }, 'event publish failed, will retry');
      await store.markEventPublishFailed(id);
      return false;
    }
    if (confirmedBy === 'broker') await store.markEventPublished(id);
    logger.debug({ recommendation_id: id }, 'event published');
    return true;
  }

  /** Publishes until the backlog is empty; stops at the first failure (the broker is down). */
  async function pass(): Promise<void> {
    for (;;) {
      const batch = await store.pendingEvents(batchSize);
      for (const { event } of batch) {
        if (!running) return;
        if (!(await publishOne(event))) return;
      }
      // Unconfirmed events stay pending: re-reading them would only loop. The
      // queue drops the republish of an event it already holds.
      if (batch.length < batchSize || confirmedBy === 'consumer') return;
    }
  }

  function runPass(): Promise<void> {
    if (!running) return Promise.resolve();
    if (current) {
      queued ??= current.then(() => {
        queued = undefined;
        return runPass();
      });
      return queued;
    }
    clearTimeout(timer);
    current = pass()
      .catch((err: unknown) => logger.error({ err }, 'outbox relay pass failed'))
      .finally(() => {
        current = undefined;
        if (running && !queued) timer = setTimeout(() => void runPass(), intervalMs);
      });
    return current;
  }

  return {
    start() {
      if (running) return;
      running = true;
      void runPass();
    },
    async stop() {
      running = false;
      clearTimeout(timer);
      await queued;
      await current;
    },
    kick() {
      if (Date.now() < brokerDownUntil) return Promise.resolve();
      return runPass();
    },
    async publishNew(event) {
      // While the broker is known to be down the interval's pass retries; a
      // publish racing that pass is harmless (the queue dedupes on the id).
      if (!running || Date.now() < brokerDownUntil) return;
      await publishOne(event).catch((err: unknown) => logger.error({ err, recommendation_id: event.recommendation_id }, 'event publish failed'));
    },
  };
}
