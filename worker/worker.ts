import type { Logger } from '../core/logger.js';
import type { Metrics } from '../core/metrics.js';
import type { EventConsumer } from '../core/queue/queue.js';
import { runWithContext } from '../core/request-context.js';
import { processRecommendationEvent, type ProcessDeps } from './process-event.js';

export interface WorkerDeps extends ProcessDeps {
  consumer: EventConsumer;
  metrics: Metrics;
  logger: Logger;
  /** Told after each event is fully processed (like BullMQ's `completed`); tests await it. */
  onProcessed?: (recommendationId: string) => void;
}

/** Consumes recommendation events until `consumer.close()`; a throw makes the queue retry. */
export function startWorker(deps: WorkerDeps): void {
  deps.consumer.start(async (event, { attempt }) => {
    const context = { recommendationId: event.recommendation_id, jobId: event.recommendation_id };
    await runWithContext(context, async () => {
      const stop = deps.metrics.jobDuration.startTimer();
      try {
        await processRecommendationEvent(deps, event);
        stop({ outcome: 'completed' });
        deps.onProcessed?.(event.recommendation_id);
        deps.logger.debug({ attempt }, 'recommendation event processed');
      } catch (err) {
        stop({ outcome: 'failed' });
        deps.metrics.jobFailures.inc();
        deps.logger.warn({ err, attempt }, 'recommendation event failed; the queue will retry');
        throw err;
      }
    });
  });
}
