import type { Logger } from '../core/platform/logger.js';
import type { EventConsumer } from '../core/queue/queue.js';
import { processRecommendationEvent, type ProcessDeps } from './process-event.js';

/** One finished attempt at an event, for metrics (and, completed, for tests awaiting the worker). */
export interface JobReport {
  recommendationId: string;
  outcome: 'completed' | 'failed';
  seconds: number;
}

export interface WorkerDeps extends ProcessDeps {
  consumer: EventConsumer;
  logger: Logger;
  /** Told after each attempt (like BullMQ's `completed` and `failed`). */
  onJob?: (report: JobReport) => void;
}

/** Consumes recommendation events until `consumer.close()`; a throw makes the queue retry. */
export function startWorker(deps: WorkerDeps): void {
  deps.consumer.start(async (event, { attempt }) => {
    const recommendationId = event.recommendation_id;
    // The job's ids go on its lines explicitly, not through async context:
    // AsyncLocalStorage would turn on promise hooks for this whole thread,
    // about 4% of the embedded service core's time.
    const ids = { recommendation_id: recommendationId, job_id: recommendationId };
    const started = performance.now();
    const report = (outcome: JobReport['outcome']) => deps.onJob?.({ recommendationId, outcome, seconds: (performance.now() - started) / 1000 });
    try {
      await processRecommendationEvent(deps, event);
      report('completed');
      deps.logger.debug({ ...ids, attempt }, 'recommendation event processed');
    } catch (err) {
      report('failed');
      deps.logger.warn({ ...ids, err, attempt }, 'recommendation event failed; the queue will retry');
      throw err;
    }
  });
}
