import type { Request, RequestHandler } from 'express';
import { ipKeyGenerator, rateLimit, type Store } from 'express-rate-limit';
import { RedisStore, type RedisReply } from 'rate-limit-redis';
import type { TokenVerifier } from '../core/auth/verify-token.js';
import type { Logger } from '../core/platform/logger.js';
import { boundedCommand, type RedisClient } from '../core/platform/redis-client.js';
import { bearerToken } from './auth.js';
import { sendProblem } from './problem.js';

export interface RateLimitOptions {
  /** Requests per key per minute; 0 turns limiting off. */
  perMinute: number;
  verifyToken: TokenVerifier;
  /** With Redis the counts are shared by every API replica; without, they are this process's. */
  redis?: RedisClient;
  logger: Logger;
}

const WINDOW_MS = 60_000;
/** Probes and scrapers call these on a schedule of their own: never limited. */
const UNLIMITED_PATHS = /^\/(health\/|metrics$)/;
/** A Redis that does not answer must not stall requests: they pass unlimited (see passOnStoreError). */
const REDIS_TIMEOUT_MS = 500;
const STORE_ERROR_LOG_EVERY_MS = 60_000;

/**
 * Per token subject when the request carries a valid token, else per client
 * address (IPv6 by /56, as express-rate-limit advises), so that anonymous or
 * bad-token floods are limited too. Over the limit: 429 problem+json with
 * `Retry-After` and the IETF draft-8 `RateLimit` / `RateLimit-Policy` headers.
 */
export function createRateLimiter(options: RateLimitOptions): RequestHandler {
  if (options.perMinute === 0) return (_req, _res, next) => next();
  const { verifyToken, logger } = options;
  return rateLimit({
    windowMs: WINDOW_MS,
    limit: options.perMinute,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    identifier: 'per-subject',
    skip: (req) => UNLIMITED_PATHS.test(req.path),
    keyGenerator: (req) => limitKey(req, verifyToken),
    handler: (_req, res) =>
      sendProblem(res, {
        status: 429,
        type: '/problems/too-many-requests',
        title: 'Too many requests',
        detail: `more than ${options.perMinute} requests in a minute; retry after the number of seconds in Retry-After`,
      }),
    // Limits protect the service; they must never be why it is down (a Redis outage lets requests through).
    passOnStoreError: true,
    logger: throttledLogger(logger),
    // No proxy is trusted, so a forwarded header is a client's claim and is ignored, not a misconfiguration.
    validate: { xForwardedForHeader: false, forwardedHeader: false },
    ...(options.redis !== undefined ? { store: redisStore(options.redis) } : {}),
  });
}

function limitKey(req: Request, verifyToken: TokenVerifier): string {
  try {
    // The verifier remembers tokens it has proven, so the route's own check costs no second signature check.
    return `sub:${verifyToken(bearerToken(req)).subject}`;
  } catch {
    return `ip:${ipKeyGenerator(req.socket.remoteAddress ?? 'unknown')}`;
  }
}

/**
 * rate-limit-redis loads its scripts once, at start, and keeps the SHA as a
 * promise; when Redis was not ready then (the shared client connects in the
 * background, and Redis may be down), that promise stays rejected and every
 * later count fails. Load it again on the next request instead.
 */
class ReloadingRedisStore extends RedisStore {
  override async init(options: Parameters<RedisStore['init']>[0]): Promise<void> {
    try {
      await super.init(options);
    } catch {
      // Not ready yet: the first counted request loads the script (below).
    }
  }

  override async increment(key: string) {
    this.incrementScriptSha = this.incrementScriptSha.catch(() => this.loadIncrementScript());
    return super.increment(key);
  }
}

function redisStore(client: RedisClient): Store {
  return new ReloadingRedisStore({
    prefix: 'clinical:rate-limit:',
    sendCommand: (...command: string[]) =>
      // Never waits for a connection that is not ready: a request during an outage passes at once.
      boundedCommand(client, () => client.sendCommand(command) as Promise<RedisReply>, { timeoutMs: REDIS_TIMEOUT_MS }),
  });
}

/** One line a minute while the store fails (every request would otherwise log one); the Redis client logs the outage itself. */
function throttledLogger(logger: Logger): { warn: (...args: unknown[]) => void; error: (...args: unknown[]) => void } {
  let lastErrorAt = 0;
  let suppressed = 0;
  return {
    warn: (err: unknown, message?: unknown) => logger.warn({ err }, String(message ?? 'rate limiter warning')),
    error: (err: unknown, message?: unknown) => {
      const now = Date.now();
      if (now - lastErrorAt < STORE_ERROR_LOG_EVERY_MS) {
        suppressed += 1;
        return;
      }
      lastErrorAt = now;
      logger.warn({ err, suppressed }, `rate limiter: ${String(message ?? 'store error')}`);
      suppressed = 0;
    },
  };
}
