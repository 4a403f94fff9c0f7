import { createClient, type RedisClientType } from 'redis';
import { AppError } from './errors.js';
import type { Logger } from './logger.js';

/**
 * The one Redis client library (node-redis) for both the cache and the queue.
 * The composition root creates one client per process and closes it last; the
 * cache uses it directly, the BullMQ adapters use duplicates (same options).
 */
export type RedisClient = RedisClientType;

export interface RedisClientOptions {
  url: string;
  logger: Logger;
  /** Shown in CLIENT LIST and in log lines. */
  name?: string;
  /** Upper bound of the pause between reconnect attempts. */
  maxReconnectDelayMs?: number;
}

/**
 * Creates a client that is already connecting in the background, so a
 * process starts (degraded) while Redis is down and recovers by itself.
 *
 * Fail-fast: with `disableOfflineQueue`, any command issued while the client
 * is disconnected rejects at once instead of waiting in memory until Redis
 * returns. Callers then decide: the outbox relay retries later, the cache
 * treats it as a miss.
 */
export function createRedisClient(options: RedisClientOptions): RedisClient {
  const maxDelay = options.maxReconnectDelayMs ?? 1000;
  const client: RedisClient = createClient({
    url: options.url,
    ...(options.name !== undefined ? { name: options.name } : {}),
    disableOfflineQueue: true,
    socket: {
      connectTimeout: 2000,
      // Never give up: Redis coming back must heal the process without a restart.
      reconnectStrategy: (retries) => Math.min(50 * 2 ** retries, maxDelay),
    },
  });
  watchHealth(client, options);
  client.connect().catch(() => {
    // Surfaced through the 'error' listener; the client keeps reconnecting.
  });
  return client;
}

/** Closes gracefully when connected; otherwise drops pending work at once rather than hang. */
export async function closeRedisClient(client: RedisClient): Promise<void> {
  if (!client.isOpen) return;
  if (client.isReady) await client.close();
  else client.destroy();
}

export interface CommandBounds {
  /** How long the command may take once sent (a half-open connection never answers). */
  timeoutMs: number;
  /** How long to wait for a connection that is not ready (yet); 0 fails at once. */
  readyWithinMs?: number;
}

/**
 * Runs a command with bounded waiting, so no caller hangs on an outage.
 * Rejects with an UNAVAILABLE AppError; the work is not started when the
 * connection is not ready in time.
 */
export async function boundedCommand<T>(client: RedisClient, work: () => Promise<T>, bounds: CommandBounds): Promise<T> {
  if (!client.isReady && !(await readyWithin(client, bounds.readyWithinMs ?? 0))) {
    throw new AppError('UNAVAILABLE', 'redis is unavailable');
  }
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new AppError('UNAVAILABLE', `redis did not answer within ${bounds.timeoutMs} ms`)), bounds.timeoutMs);
  });
  return Promise.race([work(), timeout]).finally(() => clearTimeout(timer));
}

function readyWithin(client: RedisClient, ms: number): Promise<boolean> {
  if (ms <= 0) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onReady = () => done(true);
    const timer = setTimeout(() => done(false), ms);
    const done = (ready: boolean) => {
      clearTimeout(timer);
      client.off('ready', onReady);
      resolve(ready);
    };
    client.once('ready', onReady);
  });
}

/**
 * One warning per outage and one line on recovery, instead of a line per
 * reconnect attempt. The listener also keeps node-redis from throwing an
 * unhandled 'error' event.
 */
function watchHealth(client: RedisClient, { logger, name }: RedisClientOptions): void {
  let healthy = true;
  client.on('error', (err: unknown) => {
    if (!healthy) return;
    healthy = false;
    logger.warn({ err, redis_client: name }, 'redis unavailable, reconnecting');
  });
  client.on('ready', () => {
    if (healthy) return;
    healthy = true;
    logger.info({ redis_client: name }, 'redis connection restored');
  });
}
