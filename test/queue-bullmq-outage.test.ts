import { expect } from 'chai';
import { createBullmqConsumer, createBullmqPublisher } from '../core/queue/queue-bullmq.js';
import { createRedisClient } from '../core/platform/redis-client.js';
import { anEvent, recorder, silentLogger } from './helpers/queue-events.js';
import { useRedisClient } from './helpers/redis-test-client.js';
import { uniqueName, useRedis } from './setup/redis.js';

// BullMQ while its Redis is stopped and started again: publish fails fast instead of hanging, then recovers.

describe('queue contract', function () {
  describe('BullMQ on Redis', () => {
    const redis = useRedis();
    const { client, clients } = useRedisClient(() => redis.url());

    describe('when Redis goes down', () => {
      it('rejects publish promptly, then publishes and delivers again once Redis is back', async function () {
        redis.skipUnlessRestartable(this);
        const logger = silentLogger();
        const queueName = uniqueName('recommendations');
        const publisher = createBullmqPublisher({ client: client(), logger, queueName, timeoutMs: 500 });
        const consumer = createBullmqConsumer({ client: client(), logger, queueName });
        const seen = recorder();
        consumer.start(seen.handler);
        try {
          const before = anEvent();
          const deliveredBefore = seen.handled(before.recommendation_id);
          await publisher.publish(before);
          await deliveredBefore;

          await redis.stop();
          const startedAt = Date.now();
          const error = await publisher.publish(anEvent()).then(() => undefined, (err: unknown) => err);
          expect(error, 'publish while Redis is down').to.be.instanceOf(Error);
          expect(Date.now() - startedAt).to.be.below(1500);
          await publisher.ping().then(() => expect.fail('ping should reject'), () => undefined);

          await redis.start();
          const event = anEvent();
          const delivered = seen.handled(event.recommendation_id);
          await publisher.publish(event);
          expect((await delivered).event).to.deep.equal(event);
        } finally {
          await redis.start();
          await consumer.close();
          await publisher.close();
        }
      });

      it('rejects publish promptly when Redis was never reachable, and closes without hanging', async function () {
        redis.skipUnlessRestartable(this);
        await redis.stop();
        try {
          const offline = createRedisClient({ url: redis.url(), logger: silentLogger() });
          clients.push(offline);
          const queueName = uniqueName('recommendations');
          const publisher = createBullmqPublisher({ client: offline, logger: silentLogger(), queueName, timeoutMs: 300 });

          const startedAt = Date.now();
          const error = await publisher.publish(anEvent()).then(() => undefined, (err: unknown) => err);
          expect(error).to.be.instanceOf(Error);
          expect(Date.now() - startedAt).to.be.within(250, 1500);
          await publisher.close();
        } finally {
          await redis.start();
        }
      });
    });
  });
});
