// Composition root of the worker: `npm run start:worker` runs it as its own
// process (it needs REDIS_URL); `npm start` composes it into the API process.
import express from 'express';
import type { Adapters } from '../core/adapters.js';
import { openAdapters } from '../core/adapters.js';
import type { Config } from '../core/platform/config.js';
import type { HealthCheck } from '../core/platform/health.js';
import { listen } from '../core/platform/http-server.js';
import type { Logger } from '../core/platform/logger.js';
import { createMetrics, recordJob } from '../core/platform/metrics.js';
import { opsRoutes } from '../core/platform/ops-routes.js';
import { isEntryPoint, runProcess } from '../core/platform/process-lifecycle.js';
import { openNotifications } from './channels/open-channels.js';
import { startWorker, type JobReport } from './worker.js';

export interface WorkerService {
  port: number;
  /** Stops taking jobs, finishes the active ones, closes everything. */
  stop(): Promise<void>;
}

/** The worker composed into a process; `close` after the process's consumer has drained. */
export interface ComposedWorker {
  close(): Promise<void>;
}

/** Wires the worker onto adapters a process has opened; it runs until the consumer closes. */
export async function composeWorker(config: Config, logger: Logger, adapters: Adapters, onJob: (report: JobReport) => void): Promise<ComposedWorker> {
  const notifications = await openNotifications({
    dataDir: config.dataDir,
    smtpUrl: config.smtpUrl,
    delayMs: config.notifyDelayMs,
    // Without Redis the queue is in this process: no other worker writes these files.
    shared: config.redisUrl !== undefined,
    logger,
  });
  startWorker({
    consumer: adapters.consumer(),
    store: adapters.store,
    cache: adapters.cache,
    channels: notifications.channels,
    deliveryLog: notifications.deliveryLog,
    logger,
    onJob,
  });
  return { close: () => notifications.close() };
}

/** The standalone worker: needs REDIS_URL, since the in-process queue cannot reach another process. */
export async function startWorkerService(config: Config, logger: Logger): Promise<WorkerService> {
  if (!config.redisUrl) {
    throw new Error('REDIS_URL: the standalone worker needs a Redis queue; without Redis, `npm start` runs the worker inside the API process');
  }
  const adapters = await openAdapters(config, logger, 'worker');
  const metrics = createMetrics('worker', { queueDepth: () => adapters.publisher.queueDepth() });
  const health: HealthCheck[] = [
    { name: 'store', critical: true, check: () => adapters.store.ping() },
    { name: 'queue', critical: false, check: () => adapters.consumer().ping() },
  ];
  const app = express();
  app.disable('x-powered-by');
  app.use(opsRoutes(health, metrics));
  const server = await listen(app, config.port);
  const worker = await composeWorker(config, logger, adapters, (job) => recordJob(metrics, job));
  logger.info({ port: server.port, concurrency: config.workerConcurrency }, 'worker started');
  return {
    port: server.port,
    async stop() {
      await adapters.close();
      await worker.close();
      await server.close();
      logger.info({}, 'worker stopped');
    },
  };
}

if (isEntryPoint(import.meta.url)) await runProcess('worker', startWorkerService);
