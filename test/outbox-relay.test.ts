import { Writable } from 'node:stream';
import { expect } from 'chai';
import { createLogger, type Logger } from '../core/platform/logger.js';
import { createOutboxRelay, type OutboxRelay } from '../core/queue/outbox-relay.js';
import { createBullmqConsumer, createBullmqPublisher } from '../core/queue/queue-bullmq.js';
import { createMemoryQueue } from '../core/queue/queue-memory.js';
import type { EventConsumer, EventPublisher } from '../core/queue/queue.js';
import { eventFor, type RecommendationEvent } from '../core/domain/recommendation.js';
import { closeRedisClient, createRedisClient, type RedisClient } from '../core/platform/redis-client.js';
import { openSqliteStore } from '../core/store/store-sqlite.js';
import type { RecommendationStore } from '../core/store/store.js';
import { uniqueName, useRedis } from './setup/redis.js';
import { aRecommendation } from './helpers/fixtures.js';

const PATIENT = 'patient-do-not-log-4711';

/** Stores recommendations with their pending events, as POST /evaluate does. */
async function createPending(store: RecommendationStore, count: number): Promise<RecommendationEvent[]> {
  const events: RecommendationEvent[] = [];
  for (let i = 0; i < count; i += 1) {
    const recommendation = aRecommendation({ patient_id: PATIENT });
    await store.createRecommendation(recommendation, eventFor(recommendation));
    events.push(eventFor(recommendation));
  }
  return events;
}

function capturingLogger(): { logger: Logger; text: () => string } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { logger: createLogger('debug', { service: 'test', stream }), text: () => lines.join('') };
}

/** Counts deliveries per id and resolves once every expected id has arrived. */
function deliveries(consumer: EventConsumer) {
  const counts = new Map<string, number>();
  const waiters: Array<{ ids: string[]; resolve: () => void }> = [];
  consumer.start(async (event) => {
    counts.set(event.recommendation_id, (counts.get(event.recommendation_id) ?? 0) + 1);
    for (const waiter of waiters.filter((w) => w.ids.every((id) => counts.has(id)))) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
  });
  return {
    counts,
    all: (events: RecommendationEvent[]) =>
      new Promise<void>((resolve) => {
        const ids = events.map((e) => e.recommendation_id);
        if (ids.every((id) => counts.has(id))) resolve();
        else waiters.push({ ids, resolve });
      }),
  };
}

describe('outbox relay', () => {
  let store: RecommendationStore;
  let relay: OutboxRelay | undefined;
  const closers: Array<() => Promise<void>> = [];
  beforeEach(() => {
    store = openSqliteStore({ file: ':memory:' });
  });
  afterEach(async () => {
    await relay?.stop();
    relay = undefined;
    for (const close of closers.splice(0).reverse()) await close();
    await store.close();
  });

  function memoryQueue() {
    const queue = createMemoryQueue({ logger: capturingLogger().logger, backoffMs: 10 });
    closers.push(() => queue.close());
    return { publisher: queue, received: deliveries(queue) };
  }

  describe('with the in-process queue', () => {
    it('publishes the backlog on start and marks every event published', async () => {
      const { publisher, received } = memoryQueue();
      const events = await createPending(store, 3);
      const log = capturingLogger();

      relay = createOutboxRelay({ store, publisher, logger: log.logger, intervalMs: 60_000 });
      relay.start();
      await received.all(events);
      await relay.kick();

      expect([...received.counts.values()]).to.deep.equal([1, 1, 1]);
      expect(await store.countPendingEvents()).to.equal(0);
      expect(log.text()).to.include(events[0]?.recommendation_id).and.not.include(PATIENT);
    });

    it('publishes right after kick() without waiting for the interval', async () => {
      const { publisher, received } = memoryQueue();
      relay = createOutboxRelay({ store, publisher, logger: capturingLogger().logger, intervalMs: 60_000 });
      relay.start();
      await relay.kick();

      const events = await createPending(store, 1);
      await relay.kick();

      await received.all(events);
      expect(await store.countPendingEvents()).to.equal(0);
    });

    it('publishes a new event with publishNew() without waiting for a pass', async () => {
      const { publisher, received } = memoryQueue();
      relay = createOutboxRelay({ store, publisher, logger: capturingLogger().logger, intervalMs: 60_000 });
      relay.start();
      await relay.kick();

      const [event] = await createPending(store, 1);
      await relay.publishNew(event as RecommendationEvent);

      await received.all([event as RecommendationEvent]);
      expect(await store.countPendingEvents()).to.equal(0);
    });

    it('leaves an event pending until the consumer confirms it when confirmedBy is consumer', async () => {
      const { publisher, received } = memoryQueue();
      relay = createOutboxRelay({ store, publisher, logger: capturingLogger().logger, intervalMs: 60_000, confirmedBy: 'consumer' });
      relay.start();
      const [event] = await createPending(store, 1);
      await relay.publishNew(event as RecommendationEvent);
      await received.all([event as RecommendationEvent]);

      expect(await store.countPendingEvents()).to.equal(1);
      await relay.kick();
      expect(received.counts.get((event as RecommendationEvent).recommendation_id), 'a republish is deduplicated').to.equal(1);
    });

    it('keeps an event pending when publishNew() meets a broker failure, for the next pass', async () => {
      const { publisher: queue, received } = memoryQueue();
      let refuse = true;
      const flaky: EventPublisher = {
        publish: (e) => (refuse ? Promise.reject(new Error('broker down')) : queue.publish(e)),
        ping: () => queue.ping(),
        close: () => Promise.resolve(),
      };
      relay = createOutboxRelay({ store, publisher: flaky, logger: capturingLogger().logger, intervalMs: 20 });
      relay.start();
      const [event] = await createPending(store, 1);

      await relay.publishNew(event as RecommendationEvent);
      expect(await store.countPendingEvents()).to.equal(1);
      const [pending] = await store.pendingEvents(1);
      expect(pending?.attempts).to.be.greaterThan(0);

      refuse = false;
      await received.all([event as RecommendationEvent]);
    });

    it('coalesces concurrent kicks so that one pass runs at a time', async () => {
      const { publisher: queue } = memoryQueue();
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      let publishing = 0;
      let maxPublishing = 0;
      // The real queue, with a publish that stays in flight until the test releases it.
      const publisher: EventPublisher = {
        ...queue,
        async publish(event) {
          publishing += 1;
          maxPublishing = Math.max(maxPublishing, publishing);
          await held;
          await queue.publish(event);
          publishing -= 1;
        },
      };
      await createPending(store, 2);
      relay = createOutboxRelay({ store, publisher, logger: capturingLogger().logger, intervalMs: 60_000 });
      relay.start();

      const kicks = Array.from({ length: 5 }, () => relay?.kick());
      release();
      await Promise.all(kicks);

      expect(maxPublishing).to.equal(1);
      expect(await store.countPendingEvents()).to.equal(0);
    });
  });

  describe('with BullMQ when Redis is down for a while', () => {
    const redis = useRedis();
    let client: RedisClient;
    beforeEach(async () => {
      client = createRedisClient({ url: redis.url(), logger: capturingLogger().logger, maxReconnectDelayMs: 100 });
      closers.push(() => closeRedisClient(client));
      if (!client.isReady) await new Promise((resolve) => client.once('ready', resolve));
    });

    it('keeps events pending during the outage and delivers each exactly once after recovery', async function () {
      redis.skipUnlessRestartable(this);
      const queueName = uniqueName('recommendations');
      const logger = capturingLogger().logger;
      const publisher = createBullmqPublisher({ client, logger, queueName, timeoutMs: 300 });
      const consumer = createBullmqConsumer({ client, logger, queueName });
      closers.push(() => publisher.close(), () => consumer.close());
      const received = deliveries(consumer);
      const log = capturingLogger();
      relay = createOutboxRelay({ store, publisher, logger: log.logger, intervalMs: 200 });
      relay.start();

      await redis.stop();
      const events = await createPending(store, 5);
      await relay.kick();
      expect(await store.countPendingEvents()).to.equal(5);
      const [oldest] = await store.pendingEvents(1);
      expect(oldest?.attempts, 'failed publish attempts are counted').to.be.at.least(1);

      await redis.start();
      await received.all(events);
      // Delivered in order, so a duplicate of any of them would arrive before this one.
      const sentinel = await createPending(store, 1);
      await relay.kick();
      await received.all(sentinel);

      expect([...received.counts.values()]).to.deep.equal([1, 1, 1, 1, 1, 1]);
      expect(await store.countPendingEvents()).to.equal(0);
      expect(log.text()).to.include('event publish failed').and.not.include(PATIENT);
    });
  });
});
