import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { expect } from 'chai';
import { createLruCache } from '../core/cache/cache-lru.js';
import { createRedisCache } from '../core/cache/cache-redis.js';
import type { RecommendationCache } from '../core/cache/cache.js';
import { createLogger, type Logger } from '../core/platform/logger.js';
import { closeRedisClient, createRedisClient, type RedisClient } from '../core/platform/redis-client.js';
import { uniqueName, useRedis } from './setup/redis.js';
import { aRecommendation } from './helpers/fixtures.js';

const WINDOW_MS = 100;

interface CacheKnobs {
  ttlSeconds?: number;
}
type OpenCache = (knobs?: CacheKnobs) => RecommendationCache;

/** A logger whose JSON lines the test can read back. */
function capturingLogger(): { logger: Logger; lines: () => Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { logger: createLogger('debug', { service: 'test', stream }), lines: () => lines };
}

/** What the cache holds for `id`, parsed back from its JSON text. */
async function viewIn(cache: RecommendationCache, id: string): Promise<unknown> {
  const json = await cache.get(id);
  return json === undefined ? undefined : JSON.parse(json);
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function cacheContract(openCache: () => OpenCache): void {
  const open = (knobs?: CacheKnobs) => openCache()({ ttlSeconds: 60, ...knobs });

  it('misses an id it has never seen', async () => {
    expect(await open().get(randomUUID())).to.equal(undefined);
  });

  it('returns the JSON text of what was set, unaffected by later changes to the object', async () => {
    const cache = open();
    const recommendation = aRecommendation();
    await cache.set(recommendation);
    const asSet = structuredClone(recommendation);
    recommendation.recommendation = 'changed after set';

    expect(await cache.get(recommendation.id)).to.be.a('string');
    expect(await viewIn(cache, recommendation.id)).to.deep.equal(asSet);
  });

  it('forgets a view once it is invalidated', async () => {
    const cache = open();
    const recommendation = aRecommendation();
    await cache.set(recommendation);

    await cache.invalidate(recommendation.id);

    expect(await viewIn(cache, recommendation.id)).to.equal(undefined);
  });

  it('ignores a stale view set right after an invalidation, then caches again after the window', async () => {
    const cache = open();
    const stale = aRecommendation();
    await cache.invalidate(stale.id);

    await cache.set(stale);
    expect(await viewIn(cache, stale.id)).to.equal(undefined);

    await pause(WINDOW_MS + 50);
    await cache.set(stale);
    expect(await viewIn(cache, stale.id)).to.deep.equal(stale);
  });

  it('expires views after the TTL', async () => {
    const cache = open({ ttlSeconds: 1 });
    const recommendation = aRecommendation();
    await cache.set(recommendation);

    await pause(1100);

    expect(await viewIn(cache, recommendation.id)).to.equal(undefined);
  });
}

describe('cache contract', () => {
  describe('in-process LRU', () => {
    cacheContract(() => (knobs = {}) => createLruCache({ ttlSeconds: 60, invalidationWindowMs: WINDOW_MS, ...knobs }));

    it('evicts the least recently used view beyond maxEntries', async () => {
      const cache = createLruCache({ ttlSeconds: 60, maxEntries: 2 });
      const [a, b, c] = [aRecommendation(), aRecommendation(), aRecommendation()];
      await cache.set(a);
      await cache.set(b);
      await viewIn(cache, a.id);
      await cache.set(c);
      expect(await viewIn(cache, b.id)).to.equal(undefined);
      expect(await viewIn(cache, a.id)).to.deep.equal(a);
    });
  });

  describe('Redis', () => {
    const redis = useRedis();
    const clients: RedisClient[] = [];
    const connect = async (logger: Logger) => {
      const client = createRedisClient({ url: redis.url(), logger, maxReconnectDelayMs: 100 });
      clients.push(client);
      await ready(client);
      return client;
    };
    afterEach(async () => {
      for (const client of clients.splice(0)) await closeRedisClient(client);
    });

    let client: RedisClient;
    let keyPrefix: string;
    beforeEach(async () => {
      client = await connect(capturingLogger().logger);
      keyPrefix = `${uniqueName('cache')}:`;
    });
    cacheContract(() => (knobs = {}) => {
      const { logger } = capturingLogger();
      return createRedisCache({ client, logger, keyPrefix, ttlSeconds: 60, invalidationWindowMs: WINDOW_MS, ...knobs });
    });

    it('treats an outage as misses with one warning each, without throwing or waiting, and recovers', async function () {
      redis.skipUnlessRestartable(this);
      const { logger, lines } = capturingLogger();
      const cache = createRedisCache({ client, logger, keyPrefix, ttlSeconds: 60 });
      const recommendation = aRecommendation();
      await cache.set(recommendation);
      try {
        await redis.stop();
        const startedAt = Date.now();
        expect(await viewIn(cache, recommendation.id)).to.equal(undefined);
        await cache.set(recommendation);
        await cache.invalidate(recommendation.id);
        expect(Date.now() - startedAt).to.be.below(500);

        const warnings = lines().filter((line) => line.level === 'warn');
        expect(warnings.map((line) => line.op)).to.deep.equal(['get', 'set', 'invalidate']);
        expect(JSON.stringify(lines())).not.to.include('p-7');
      } finally {
        await redis.start();
      }
      await ready(client);
      const later = aRecommendation();
      await cache.set(later);
      expect(await viewIn(cache, later.id)).to.deep.equal(later);
    });

    it('retries an invalidation lost to a dropped connection once Redis is reachable again', async () => {
      const cache = createRedisCache({ client, logger: capturingLogger().logger, keyPrefix, ttlSeconds: 60 });
      const otherProcess = createRedisCache({ client: await connect(capturingLogger().logger), logger: capturingLogger().logger, keyPrefix, ttlSeconds: 60 });
      const recommendation = aRecommendation();
      await cache.set(recommendation);

      // Drop only this client's connection; the data stays in Redis.
      const admin = await connect(capturingLogger().logger);
      const dropped = new Promise((resolve) => client.once('error', resolve));
      await admin.sendCommand(['CLIENT', 'KILL', 'ID', String(await client.clientId())]);
      await dropped;
      const reconnected = ready(client, { next: true });
      await cache.invalidate(recommendation.id);
      expect(await viewIn(otherProcess, recommendation.id), 'stale while the invalidation is pending').to.deep.equal(recommendation);

      await reconnected;
      // The retry is sent on 'ready', ahead of this read on the same connection.
      expect(await viewIn(cache, recommendation.id)).to.equal(undefined);
      expect(await viewIn(otherProcess, recommendation.id)).to.equal(undefined);
    });
  });
});

/** Resolves when the client is (or, with `next`, next becomes) ready. */
async function ready(client: RedisClient, { next = false } = {}): Promise<void> {
  if (next || !client.isReady) await new Promise((resolve) => client.once('ready', resolve));
}
