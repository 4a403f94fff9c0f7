import type { RecommendationEvent } from '../domain/recommendation.js';

/**
 * The event port. Adapters: `queue-memory.ts` (in-process, embedded mode) and
 * `queue-bullmq.ts` (BullMQ on Redis). `test/queue.contract.test.ts` runs
 * against both.
 */
export const QUEUE_NAME = 'recommendations';
export const JOB_NAME = 'recommendation.created';

export interface EventPublisher {
  /**
   * Resolves once the broker has accepted the event. Publishing the same
   * recommendation id twice delivers it once (job id = recommendation id).
   */
  publish(event: RecommendationEvent): Promise<void>;
  /** Rejects when the broker cannot be reached. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface JobContext {
  /** 1 on the first delivery. */
  attempt: number;
}

export type EventHandler = (event: RecommendationEvent, context: JobContext) => Promise<void>;

export interface EventConsumer {
  /** Starts delivering events to the handler; a throw means retry with backoff. */
  start(handler: EventHandler): void;
  ping(): Promise<void>;
  /** Stops taking new events, waits for the active ones, then releases resources. */
  close(): Promise<void>;
}

export interface QueueDepth {
  waiting: number;
  active: number;
  failed: number;
}

/** An event that used up its attempts; kept for operators to inspect. */
export interface FailedEvent {
  event: RecommendationEvent;
  error: string;
  attempts: number;
  failedAt: string;
}

export type FailedListener = (event: RecommendationEvent, error: unknown) => void;

/** What metrics and operators read from either queue adapter. */
export interface QueueInspector {
  queueDepth(): Promise<QueueDepth>;
  /** Most recent first. */
  failedJobs(limit?: number): Promise<FailedEvent[]>;
}
