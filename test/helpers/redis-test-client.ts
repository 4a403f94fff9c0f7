import { closeRedisClient, createRedisClient, type RedisClient } from '../../core/platform/redis-client.js';
import { silentLogger } from './queue-events.js';

/**
 * A Redis client that is connected before it is returned, added to `clients` so the suite's
 * `after` hook closes it. Reconnects quickly, for the tests that stop and restart Redis.
 */
export async function connectRedisClient(url: string, clients: RedisClient[]): Promise<RedisClient> {
  const client = createRedisClient({ url, logger: silentLogger(), maxReconnectDelayMs: 100 });
  clients.push(client);
  await ready(client);
  return client;
}

/** Resolves on the next 'ready'; connection errors on the way are expected, not failures. */
async function ready(client: RedisClient): Promise<void> {
  if (!client.isReady) await new Promise((resolve) => client.once('ready', resolve));
}

/**
 * Mocha hooks for a suite's Redis clients: a fresh connected client before each test
 * (`client()`), every client in `clients` (push your own there too) closed after the suite.
 */
export function useRedisClient(url: () => string): { client: () => RedisClient; clients: RedisClient[] } {
  const clients: RedisClient[] = [];
  let current: RedisClient | undefined;
  beforeEach(async () => {
    current = await connectRedisClient(url(), clients);
  });
  after(async () => {
    for (const c of clients.splice(0)) await closeRedisClient(c);
  });
  return {
    clients,
    client: () => {
      if (!current) throw new Error('useRedisClient(): no client outside a test');
      return current;
    },
  };
}
