import { Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Logger } from '../platform/logger.js';
import type { RecommendationEvent } from '../domain/recommendation.js';
import { boundedCommand, closeRedisClient, type RedisClient } from '../platform/redis-client.js';
import { JOB_NAME, QUEUE_NAME, type EventConsumer, type EventPublisher, type FailedListener, type QueueInspector } from './queue.js';

/**
 * BullMQ over node-redis (see redis-client.ts). The caller's client is only a
 * template: publisher and worker open duplicates of it, which they close.
 */
export interface BullmqOptions {
  client: RedisClient;
  logger: Logger;
  /** Tests use a unique queue name (or prefix) each instead of wiping Redis. */
  queueName?: string;
  prefix?: string;
}

export interface BullmqPublisherOptions extends BullmqOptions {
  /** Deliveries per event, the first included. */
  attempts?: number;
  /** Retry n waits backoffMs * 2^(n-1). */
  backoffMs?: number;
  /** Bound on a publish that the broker never answers (half-open connection). */
  timeoutMs?: number;
}

export type BullmqPublisher = EventPublisher & QueueInspector;

const DAY_SECONDS = 24 * 60 * 60;
/** Worker deaths a job survives before it goes to the failed set (a job that kills every worker stops there). */
const MAX_STALLED_COUNT = 5;

export function createBullmqPublisher(options: BullmqPublisherOptions): BullmqPublisher {
  const { logger, attempts = 5, backoffMs = 1000, timeoutMs = 2000 } = options;
  // A connection of its own (same fail-fast options): BullMQ leaves listeners on the
  // client it is given, which would rethrow its errors after close if it were shared.
  const connection = options.client.duplicate();
  const queue = new Queue<RecommendationEvent>(options.queueName ?? QUEUE_NAME, {
    connection,
    ...(options.prefix !== undefined ? { prefix: options.prefix } : {}),
    // The queue never blocks, so the server version (which tunes blocking reads) does not matter here.
    skipVersionCheck: true,
    defaultJobOptions: {
      attempts,
      backoff: { type: 'exponential', delay: backoffMs },
      removeOnComplete: { age: DAY_SECONDS, count: 10_000 },
      // Failed jobs stay for operators, bounded so a bad week cannot fill Redis.
      removeOnFail: { age: 14 * DAY_SECONDS, count: 10_000 },
    },
  });
  // Outages are logged once by the shared client; this would repeat them per reconnect attempt.
  queue.on('error', (err) => logger.debug({ err }, 'bullmq queue error'));

  // BullMQ would wait as long as it takes for the connection to (re)open; we give it
  // `timeoutMs`, then fail so that the caller (the outbox relay) retries later.
  const whenReady = <T>(work: () => Promise<T>) => boundedCommand(connection, work, { timeoutMs, readyWithinMs: timeoutMs });

  return {
    async publish(event) {
      // jobId = recommendation id: adding an id that is already queued or kept is a no-op.
      await whenReady(() => queue.add(JOB_NAME, event, { jobId: event.recommendation_id }));
    },
    async ping() {
      await whenReady(() => connection.ping());
    },
    async close() {
      // Pending commands finish first; then the queue only drops its listeners.
      await closeRedisClient(connection);
      await queue.close();
    },
    async queueDepth() {
      const counts = await whenReady(() => queue.getJobCounts('waiting', 'delayed', 'prioritized', 'active', 'failed'));
      const count = (state: string) => counts[state] ?? 0;
      return { waiting: count('waiting') + count('delayed') + count('prioritized'), active: count('active'), failed: count('failed') };
    },
    async failedJobs(limit = 100) {
      const jobs = await whenReady(() => queue.getFailed(0, limit - 1));
      return jobs.map((job) => ({
        event: job.data,
        error: job.failedReason,
        attempts: job.attemptsMade,
        failedAt: new Date(job.finishedOn ?? job.timestamp).toISOString(),
      }));
    },
  };
}

export interface BullmqConsumerOptions extends BullmqOptions {
  concurrency?: number;
  /**
   * How long a worker owns a job; a crashed worker's job is retried after this.
   * The stalled check runs as often, or recovery would wait for BullMQ's 30 s default.
   */
  lockDurationMs?: number;
  /** Called once an event has used up its attempts (metrics, tests). */
  onFailed?: FailedListener;
}

export function createBullmqConsumer(options: BullmqConsumerOptions): EventConsumer {
  const { client, logger } = options;
  let worker: Worker<RecommendationEvent> | undefined;
  let connection: RedisClient | undefined;
  return {
    start(handler) {
      if (worker) throw new Error('bullmq consumer already started');
      // The worker's fetch loop retries failed commands without pausing, so its
      // connections wait offline instead of failing fast. BullMQ uses this client
      // as is and duplicates it for blocking reads; we close it, BullMQ the duplicate.
      connection = client.duplicate({ disableOfflineQueue: false });
      worker = new Worker<RecommendationEvent>(
        options.queueName ?? QUEUE_NAME,
        async (job: Job<RecommendationEvent>) => {
          if (job.name !== JOB_NAME) throw new UnrecoverableError(`unknown job name "${job.name}"`);
          await handler(job.data, { attempt: job.attemptsMade + 1 });
        },
        {
          connection,
          ...(options.prefix !== undefined ? { prefix: options.prefix } : {}),
          concurrency: options.concurrency ?? 1,
          ...(options.lockDurationMs !== undefined
            ? { lockDuration: options.lockDurationMs, stalledInterval: options.lockDurationMs }
            : {}),
          // A job whose worker died (kill -9, OOM) is taken up again; BullMQ's default fails it
          // for good on the second such death, which would leave its notifications pending.
          maxStalledCount: MAX_STALLED_COUNT,
          // The version check is a command inside BullMQ's connection setup; if Redis drops
          // during it, the worker stays broken for good. Without it, blocking reads round up
          // to whole seconds, which only matters for sub-second retry backoffs.
          skipVersionCheck: true,
        },
      );
      const warn = oncePer(10_000, (err: Error) => logger.warn({ err }, 'bullmq worker error'));
      worker.on('error', warn);
      worker.on('failed', (job, err) => {
        if (!job) return;
        const final = job.attemptsMade >= (job.opts.attempts ?? 1) || err instanceof UnrecoverableError;
        const fields = { err, recommendation_id: job.id, attempt: job.attemptsMade };
        if (final) {
          logger.error(fields, 'event moved to the failed set');
          options.onFailed?.(job.data, err);
        } else logger.warn(fields, 'event handler failed, will retry');
      });
    },
    async ping() {
      await boundedCommand(client, () => client.ping(), { timeoutMs: 2000 });
    },
    async close() {
      // Without force, BullMQ stops fetching and waits for the active jobs.
      await worker?.close();
      if (connection) await closeRedisClient(connection);
    },
  };
}

/** A worker retries its connection in a loop; one line per window is enough. */
function oncePer<A>(windowMs: number, log: (arg: A) => void): (arg: A) => void {
  let last = 0;
  return (arg) => {
    if (Date.now() - last < windowMs) return;
    last = Date.now();
    log(arg);
  };
}
