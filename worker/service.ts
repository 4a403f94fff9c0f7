import type { Config } from '../core/platform/config.js';
import type { HealthCheck } from '../core/platform/health.js';
import express from 'express';
import { opsRoutes } from '../core/platform/ops-routes.js';
import { listen } from '../core/platform/http-server.js';
import type { Logger } from '../core/platform/logger.js';
import { createMetrics, recordJob } from '../core/platform/metrics.js';
import { openAdapters } from '../core/adapters.js';
import { simulatedEmail, type NotificationChannel } from './notifier.js';
import { startWorker } from './worker.js';

export interface WorkerService {
  port: number;
  /** Stops taking jobs, finishes the active ones, closes everything. */
  stop(): Promise<void>;
}

export function workerChannels(config: Config, logger: Logger): NotificationChannel[] {
  return [simulatedEmail(logger, config.notifyDelayMs)];
}

/** The standalone worker: needs REDIS_URL, since the in-process queue cannot reach another process. */
export async function startWorkerService(config: Config, logger: Logger): Promise<WorkerService> {
  if (!config.redisUrl) {
    throw new Error('REDIS_URL: the standalone worker needs a Redis queue; without Redis, `npm start` runs the worker inside the API process');
  }
  const adapters = await openAdapters(config, logger, 'worker');
  const metrics = createMetrics('worker', { queueDepth: () => adapters.publisher.queueDepth() });
  const consumer = adapters.consumer();
  const health: HealthCheck[] = [
    { name: 'store', critical: true, check: () => adapters.store.ping() },
    { name: 'queue', critical: false, check: () => consumer.ping() },
  ];
  const app = express();
  app.disable('x-powered-by');
  app.use(opsRoutes(health, metrics));
  const server = await listen(app, config.port);
  startWorker({ consumer, store: adapters.store, cache: adapters.cache, channels: workerChannels(config, logger), logger, onJob: (job) => recordJob(metrics, job) });
  logger.info({ port: server.port, concurrency: config.workerConcurrency }, 'worker started');
  return {
    port: server.port,
    async stop() {
      await adapters.close();
      await server.close();
      logger.info({}, 'worker stopped');
    },
  };
}
