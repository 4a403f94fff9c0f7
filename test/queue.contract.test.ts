import { createMemoryQueue } from '../core/queue/queue-memory.js';
import { createBullmqConsumer, createBullmqPublisher } from '../core/queue/queue-bullmq.js';
import { queueContract } from './helpers/queue-contract.js';
import { silentLogger } from './helpers/queue-events.js';
import { useRedisClient } from './helpers/redis-test-client.js';
import { uniqueName, useRedis } from './setup/redis.js';

// The queue port's contract (test/helpers/queue-contract.ts), run against each adapter.
// Publishing while Redis is down and once it is back (BullMQ only) is in test/queue-bullmq-outage.test.ts.

describe('queue contract', function () {
  describe('in-process queue', () => {
    queueContract(() => (knobs = {}) => {
      const queue = createMemoryQueue({ logger: silentLogger(), ...knobs });
      return { publisher: queue, consumer: queue };
    });
  });

  describe('BullMQ on Redis', () => {
    const redis = useRedis();
    const { client } = useRedisClient(() => redis.url());

    queueContract(() => ({ concurrency, attempts, backoffMs, onFailed } = {}) => {
      const queueName = uniqueName('recommendations');
      const logger = silentLogger();
      return {
        publisher: createBullmqPublisher({ client: client(), logger, queueName, attempts, backoffMs }),
        consumer: createBullmqConsumer({ client: client(), logger, queueName, concurrency, onFailed }),
      };
    });
  });
});
