import { AppError } from '../platform/errors.js';
import type { Logger } from '../platform/logger.js';
import { copyEvent, type RecommendationEvent } from '../domain/recommendation.js';
import type { EventConsumer, EventHandler, EventPublisher, FailedEvent, FailedListener, QueueInspector } from './queue.js';

export interface MemoryQueueOptions {
  logger: Logger;
  concurrency?: number;
  /** Deliveries per event, the first included. */
  attempts?: number;
  /** Retry n waits backoffMs * 2^(n-1). */
  backoffMs?: number;
  /** How many recent ids a republish is checked against (bounds memory); at least 1. */
  dedupeWindow?: number;
  failedLimit?: number;
  /** Called once an event has used up its attempts (metrics, tests). */
  onFailed?: FailedListener;
  /** Called once the handler has finished an event: memory is not durable, so this is the confirmation. */
  onCompleted?: (event: RecommendationEvent) => void;
  /**
   * Events held waiting at most; a publish beyond it is not taken (see below).
   * Default 1000.
   */
  maxWaiting?: number;
  /** Called when a queue that turned a publish away has room again (half empty): the relay refills it. */
  onRoom?: () => void;
}

export type MemoryQueue = EventPublisher & EventConsumer & QueueInspector;

interface Job {
  event: RecommendationEvent;
  attempt: number;
}

/**
 * In-process queue for embedded mode, with the same delivery semantics as
 * the BullMQ adapter: dedupe by recommendation id, bounded concurrency,
 * exponential retries, then a failed list. Events live in memory only; the
 * outbox in the store is what survives a crash.
 *
 * Bounded: with the worker on the same event loop as the API, a burst of
 * POSTs can outrun it. Beyond `maxWaiting` an event is not taken: it stays
 * pending in the outbox (on disk, not in memory), and `onRoom` asks the relay
 * to publish it once the worker has caught up, so memory stays flat and
 * nothing is lost.
 */
export function createMemoryQueue(options: MemoryQueueOptions): MemoryQueue {
  const { logger, concurrency = 1, attempts = 5, backoffMs = 1000 } = options;
  const { dedupeWindow = 10_000, failedLimit = 1000, maxWaiting = 1000 } = options;
  if (!Number.isInteger(dedupeWindow) || dedupeWindow < 1) throw new Error(`memory queue: dedupeWindow must be a positive integer, not ${dedupeWindow}`);
  const ready: Job[] = [];
  const retryTimers = new Set<NodeJS.Timeout>();
  const seen = new Set<string>();
  // The same ids in arrival order, as a ring, so forgetting the oldest is one
  // step. (Deleting a Set's first entry needs an iterator, which walks past
  // every hole earlier deletions left: about 5 µs per publish at 10k ids.)
  const arrivals: (string | undefined)[] = new Array(dedupeWindow);
  let oldest = 0;
  const failed: FailedEvent[] = [];
  let handler: EventHandler | undefined;
  let active = 0;
  let closed = false;
  let closing: Promise<void> | undefined;
  let onIdle: (() => void) | undefined;
  let turnedAway = false;

  function remember(id: string): void {
    const forgotten = arrivals[oldest];
    if (forgotten !== undefined) seen.delete(forgotten);
    arrivals[oldest] = id;
    oldest = (oldest + 1) % dedupeWindow;
    seen.add(id);
  }

  function pump(): void {
    while (handler && !closed && active < concurrency) {
      const job = ready.shift();
      if (!job) break;
      void run(handler, job);
    }
    if (turnedAway && ready.length <= maxWaiting / 2) {
      turnedAway = false;
      options.onRoom?.();
    }
  }

  async function run(deliver: EventHandler, job: Job): Promise<void> {
    active += 1;
    try {
      // A fresh copy per delivery: a handler that mutates its event cannot affect a retry.
      await deliver(copyEvent(job.event), { attempt: job.attempt });
      options.onCompleted?.(copyEvent(job.event));
    } catch (err) {
      retryOrFail(job, err);
    } finally {
      active -= 1;
      if (active === 0) onIdle?.();
      pump();
    }
  }

  function retryOrFail(job: Job, err: unknown): void {
    const id = job.event.recommendation_id;
    if (job.attempt >= attempts || closed) {
      failed.unshift({ event: job.event, error: errorText(err), attempts: job.attempt, failedAt: new Date().toISOString() });
      failed.length = Math.min(failed.length, failedLimit);
      logger.error({ err, recommendation_id: id, attempts: job.attempt }, 'event moved to the failed set');
      options.onFailed?.(copyEvent(job.event), err);
      return;
    }
    logger.warn({ err, recommendation_id: id, attempt: job.attempt }, 'event handler failed, will retry');
    const timer = setTimeout(() => {
      retryTimers.delete(timer);
      ready.push({ event: job.event, attempt: job.attempt + 1 });
      pump();
    }, backoffMs * 2 ** (job.attempt - 1));
    retryTimers.add(timer);
  }

  async function drain(): Promise<void> {
    closed = true;
    for (const timer of retryTimers) clearTimeout(timer);
    if (active > 0) await new Promise<void>((resolve) => (onIdle = resolve));
    const undelivered = ready.length + retryTimers.size;
    if (undelivered > 0) logger.warn({ undelivered }, 'memory queue closed with undelivered events');
    retryTimers.clear();
  }

  return {
    async publish(event) {
      if (closed) throw new AppError('UNAVAILABLE', 'event queue is closed');
      if (seen.has(event.recommendation_id)) return;
      if (ready.length >= maxWaiting) {
        // Not taken, not remembered: still pending in the outbox, so the relay brings it back.
        turnedAway = true;
        return;
      }
      remember(event.recommendation_id);
      ready.push({ event: copyEvent(event), attempt: 1 });
      pump();
    },
    start(eventHandler) {
      if (handler) throw new Error('memory queue: consumer already started');
      handler = eventHandler;
      pump();
    },
    async ping() {
      if (closed) throw new AppError('UNAVAILABLE', 'event queue is closed');
    },
    close() {
      closing ??= drain();
      return closing;
    },
    async queueDepth() {
      return { waiting: ready.length + retryTimers.size, active, failed: failed.length };
    },
    async failedJobs(limit = 100) {
      return failed.slice(0, limit).map((entry) => structuredClone(entry));
    },
  };
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
