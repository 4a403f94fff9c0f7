import { expect } from 'chai';
import type { EventConsumer, EventPublisher, FailedListener, QueueInspector } from '../../core/queue/queue.js';
import { anEvent, gate, recorder } from './queue-events.js';

/** Each test gets a fresh, private queue; knobs are shrunk so retries take milliseconds. */
export interface QueueKnobs {
  concurrency?: number;
  attempts?: number;
  backoffMs?: number;
  onFailed?: FailedListener;
}
export interface QueueUnderTest {
  publisher: EventPublisher & QueueInspector;
  consumer: EventConsumer;
}
export type OpenQueue = (knobs?: QueueKnobs) => QueueUnderTest;

const BACKOFF_MS = 20;

/**
 * The behaviour every queue adapter must have, defined once; test/queue.contract.test.ts runs it
 * against each adapter. `openQueue` is called per test and builds a fresh, private queue.
 */
export function queueContract(openQueue: () => OpenQueue): void {
  const opened: QueueUnderTest[] = [];
  const open = (knobs?: QueueKnobs) => {
    const queue = openQueue()({ backoffMs: BACKOFF_MS, ...knobs });
    opened.push(queue);
    return queue;
  };
  afterEach(async () => {
    for (const { consumer, publisher } of opened.splice(0)) {
      await consumer.close();
      await publisher.close();
    }
  });

  it('delivers the published event unchanged, as attempt 1', async () => {
    const { publisher, consumer } = open();
    const seen = recorder();
    consumer.start(seen.handler);
    const event = anEvent({ patient_id: 'p-42', recommendation: null, recommendations: [] });

    const delivered = seen.handled(event.recommendation_id);
    await publisher.publish(event);

    const delivery = await delivered;
    expect(delivery.event).to.deep.equal(event);
    expect(delivery.attempt).to.equal(1);
  });

  it('delivers a republished recommendation id once, whether still queued or done', async () => {
    const { publisher, consumer } = open();
    const seen = recorder();
    const event = anEvent();
    await publisher.publish(event);
    await publisher.publish(event);
    consumer.start(seen.handler);
    await seen.handled(event.recommendation_id);

    await publisher.publish(event);
    const later = anEvent();
    await publisher.publish(later);
    await seen.handled(later.recommendation_id);

    expect(seen.of(event.recommendation_id)).to.have.length(1);
  });

  it('retries a failing handler with growing backoff until it succeeds', async () => {
    const { publisher, consumer } = open({ attempts: 5 });
    const seen = recorder(async (_event, attempt) => {
      if (attempt < 3) throw new Error(`transient failure ${attempt}`);
    });
    consumer.start(seen.handler);
    const event = anEvent();

    const succeeded = seen.handled(event.recommendation_id);
    await publisher.publish(event);
    await succeeded;

    const runs = seen.of(event.recommendation_id);
    expect(runs.map((r) => r.attempt)).to.deep.equal([1, 2, 3]);
    const [first, second, third] = runs.map((r) => r.at) as [number, number, number];
    // Exponential: the wait before retry n is at least BACKOFF_MS * 2^(n-1) (timers may fire 1 ms early).
    expect(second - first).to.be.at.least(BACKOFF_MS - 1);
    expect(third - second).to.be.at.least(2 * BACKOFF_MS - 1);
    expect(await publisher.failedJobs()).to.deep.equal([]);
  });

  it('keeps each delivery apart: neither the publisher nor a failed attempt can change what a retry receives', async () => {
    const { publisher, consumer } = open({ attempts: 2 });
    const seen = recorder(async (event, attempt) => {
      if (attempt > 1) return;
      event.recommendations.push('CHANGED_BY_HANDLER');
      event.recommendation = 'changed by the handler';
      throw new Error('first attempt fails after changing its event');
    });
    consumer.start(seen.handler);
    const event = anEvent({ recommendations: ['PHYSICAL_THERAPY', 'WEIGHT_MANAGEMENT'] });
    const published = structuredClone(event);

    const succeeded = seen.handled(event.recommendation_id);
    await publisher.publish(event);
    event.recommendations.push('CHANGED_BY_PUBLISHER');
    await succeeded;

    const [first, retry] = seen.of(event.recommendation_id);
    expect(first?.event.recommendations).to.include('CHANGED_BY_HANDLER');
    expect(retry?.attempt).to.equal(2);
    expect(retry?.event).to.deep.equal(published);
  });

  it('moves an event that exhausts its attempts to the failed set', async () => {
    const failure = gate();
    const { publisher, consumer } = open({ attempts: 3, onFailed: () => failure.open() });
    const seen = recorder(async () => {
      throw new Error('downstream refused');
    });
    consumer.start(seen.handler);
    const event = anEvent();

    await publisher.publish(event);
    await failure.opened;

    expect(seen.of(event.recommendation_id).map((r) => r.attempt)).to.deep.equal([1, 2, 3]);
    const [failed, ...others] = await publisher.failedJobs();
    expect(others).to.deep.equal([]);
    expect(failed).to.include({ error: 'downstream refused', attempts: 3 });
    expect(failed?.event).to.deep.equal(event);
    expect(await publisher.queueDepth()).to.deep.equal({ waiting: 0, active: 0, failed: 1 });
  });

  it('runs at most `concurrency` handlers at the same time', async () => {
    const { publisher, consumer } = open({ concurrency: 2 });
    const release = gate();
    const twoRunning = gate();
    let running = 0;
    let maxRunning = 0;
    const seen = recorder(async () => {
      running += 1;
      maxRunning = Math.max(maxRunning, running);
      if (running === 2) twoRunning.open();
      await release.opened;
      running -= 1;
    });
    consumer.start(seen.handler);
    const events = [anEvent(), anEvent(), anEvent(), anEvent()];
    const allHandled = Promise.all(events.map((e) => seen.handled(e.recommendation_id)));

    for (const event of events) await publisher.publish(event);
    await twoRunning.opened;
    // A window in which a third handler would start if the limit were not enforced.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(running).to.equal(2);
    release.open();
    await allHandled;

    expect(maxRunning).to.equal(2);
  });

  it('close() waits for the active handler to finish', async () => {
    const { publisher, consumer } = open();
    const started = gate();
    const release = gate();
    const order: string[] = [];
    consumer.start(async () => {
      started.open();
      await release.opened;
      order.push('handler finished');
    });
    await publisher.publish(anEvent());
    await started.opened;

    const closed = consumer.close().then(() => order.push('consumer closed'));
    // Give a close() that does not wait the chance to finish first.
    await new Promise((resolve) => setTimeout(resolve, 50));
    release.open();
    await closed;

    expect(order).to.deep.equal(['handler finished', 'consumer closed']);
  });
}
