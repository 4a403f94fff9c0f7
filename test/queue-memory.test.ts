import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { resolveJwt } from '../core/auth/dev-secret.js';
import { loadConfig } from '../core/platform/config.js';
import { silentLogger } from '../core/platform/logger.js';
import { createMemoryQueue } from '../core/queue/queue-memory.js';
import { eventFor, type RecommendationEvent } from '../core/domain/recommendation.js';
import { openAdapters } from '../core/adapters.js';
import { aRecommendation } from './helpers/fixtures.js';
import { until } from './helpers/processes.js';

describe('in-process queue: confirmation', () => {
  it('tells onCompleted once the handler has finished an event, and never about one that failed every attempt', async () => {
    const completed: string[] = [];
    const failed: string[] = [];
    let failedOnce!: () => void;
    const exhausted = new Promise<void>((resolve) => (failedOnce = resolve));
    const queue = createMemoryQueue({
      logger: silentLogger,
      attempts: 2,
      backoffMs: 1,
      onCompleted: (e) => completed.push(e.recommendation_id),
      onFailed: (e) => {
        failed.push(e.recommendation_id);
        failedOnce();
      },
    });
    const good = eventFor(aRecommendation());
    const bad = eventFor(aRecommendation());
    queue.start(async (event) => {
      if (event.recommendation_id === bad.recommendation_id) throw new Error('always fails');
    });

    // One at a time (concurrency 1): the good event is done before the bad one runs out of attempts.
    await queue.publish(good);
    await queue.publish(bad);
    await exhausted;
    await queue.close();

    expect(completed).to.deep.equal([good.recommendation_id]);
    expect(failed).to.deep.equal([bad.recommendation_id]);
  });
});

describe('embedded adapters (SQLite + in-process queue)', () => {
  it('keep an event pending while the worker is on it, and confirm it once the worker has finished', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'clinical-runtime-'));
    const { config } = resolveJwt(loadConfig({ DATA_DIR: dataDir, JWT_SECRET: 'runtime-test-secret-of-at-least-32-bytes' }));
    const adapters = await openAdapters(config, silentLogger, 'test');
    try {
      const rec = aRecommendation();
      await adapters.store.createRecommendation(rec, eventFor(rec));
      let finish!: () => void;
      const started = new Promise<RecommendationEvent>((resolve) =>
        adapters.consumer().start((event) => {
          resolve(event);
          return new Promise<void>((release) => (finish = release));
        }),
      );

      await adapters.publisher.publish(eventFor(rec));
      await started;
      expect(await adapters.store.countPendingEvents(), 'pending while the worker is on it').to.equal(1);

      finish();
      // The confirmation is a store write after the handler resolves; nothing announces it.
      await until(async () => (await adapters.store.countPendingEvents()) === 0, 'the event to be confirmed');
    } finally {
      await adapters.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe('in-process queue: dedupe window', () => {
  it('drops a republish of a recent id, and delivers an id again once it has left the window', async () => {
    const delivered: string[] = [];
    const queue = createMemoryQueue({ logger: silentLogger, dedupeWindow: 2 });
    queue.start(async (event) => {
      delivered.push(event.recommendation_id);
    });
    const [a, b, c] = [eventFor(aRecommendation()), eventFor(aRecommendation()), eventFor(aRecommendation())];

    await queue.publish(a);
    await queue.publish(b);
    await queue.publish(a); // a and b are the window: dropped
    await queue.publish(c); // a leaves the window
    await queue.publish(b); // b and c are the window: dropped
    await queue.publish(a); // a is new again
    await until(async () => delivered.length >= 4, 'four deliveries');
    await queue.close();

    expect(delivered).to.deep.equal([a, b, c, a].map((e) => e.recommendation_id));
  });

  it('refuses a window that could not hold one id', () => {
    expect(() => createMemoryQueue({ logger: silentLogger, dedupeWindow: 0 })).to.throw(/dedupeWindow must be a positive integer/);
  });
});

describe('in-process queue: bounded, so a burst the worker cannot keep up with stays on disk', () => {
  it('turns events away beyond maxWaiting, asks for a refill once half empty, and takes them then', async () => {
    let rooms = 0;
    const queue = createMemoryQueue({ logger: silentLogger, maxWaiting: 4, onRoom: () => (rooms += 1) });
    const events = Array.from({ length: 6 }, () => eventFor(aRecommendation()));
    for (const event of events) await queue.publish(event);

    expect((await queue.queueDepth()).waiting).to.equal(4);
    expect(rooms).to.equal(0);

    const handled: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    queue.start(async (event) => {
      handled.push(event.recommendation_id);
      await gate;
    });
    release();
    await until(async () => handled.length === 4, 'the four taken handled');
    expect(rooms).to.equal(1);

    // The two turned away were not remembered: publishing them again (the relay's refill) delivers them.
    await queue.publish(events[4] as RecommendationEvent);
    await queue.publish(events[5] as RecommendationEvent);
    await until(async () => handled.length === 6, 'all six handled');
    await queue.close();
    expect(handled).to.deep.equal(events.map((e) => e.recommendation_id));
  });
});
