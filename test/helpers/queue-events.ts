import { randomUUID } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { createLogger, type Logger } from '../../core/platform/logger.js';
import type { RecommendationEvent } from '../../core/domain/recommendation.js';
import type { EventHandler } from '../../core/queue/queue.js';

/** Events, recording handlers and gates for the queue tests (test/helpers/queue-contract.ts, test/queue-*.test.ts). */

export function silentLogger(): Logger {
  return createLogger('error', { service: 'test', stream: new PassThrough() });
}

export function anEvent(overrides: Partial<RecommendationEvent> = {}): RecommendationEvent {
  return {
    patient_id: 123,
    recommendation_id: randomUUID(),
    recommendation: 'Physical Therapy',
    recommendations: ['PHYSICAL_THERAPY'],
    ruleset_version: '1.0.0',
    timestamp: new Date().toISOString(),
    ...overrides,
  };
}

export interface Delivery {
  event: RecommendationEvent;
  attempt: number;
  at: number;
}

/** Records deliveries and lets a test await "id X was handled successfully", before or after it happened. */
export function recorder(behaviour: (event: RecommendationEvent, attempt: number) => Promise<void> = async () => {}) {
  const deliveries: Delivery[] = [];
  const succeeded = new Map<string, Delivery>();
  const waiters = new Map<string, (delivery: Delivery) => void>();
  const handler: EventHandler = async (event, { attempt }) => {
    const delivery = { event, attempt, at: Date.now() };
    deliveries.push(delivery);
    await behaviour(event, attempt);
    succeeded.set(event.recommendation_id, delivery);
    waiters.get(event.recommendation_id)?.(delivery);
  };
  const handled = (id: string) =>
    new Promise<Delivery>((resolve) => {
      const done = succeeded.get(id);
      if (done) resolve(done);
      else waiters.set(id, resolve);
    });
  const of = (id: string) => deliveries.filter((d) => d.event.recommendation_id === id);
  return { handler, handled, of, deliveries };
}

export function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}
