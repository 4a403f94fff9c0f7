// The service core's thread (see service-core.ts), started by core-client.ts.
import { parentPort, workerData } from 'node:worker_threads';
import type { Config } from '../core/platform/config.js';
import type { IdempotencyRequest } from '../core/domain/evaluate.js';
import { createLogger } from '../core/platform/logger.js';
import type { PatientInput } from '../core/domain/recommendation.js';
import { rpcEndpoint } from '../core/threads/rpc.js';
import { startServiceCore, type CoreOptions, type ServiceCore } from './service-core.js';

if (parentPort === null) throw new Error('core-thread.ts runs as a worker thread (see core-client.ts)');
const host = parentPort;
const { config, options } = workerData as { config: Config; options: CoreOptions };
// This thread's stdout is piped into the API's log destination.
const logger = createLogger(config.logLevel, { service: options.service });

let core: ServiceCore | undefined;
const started = (): ServiceCore => {
  if (core === undefined) throw new Error('the service core has not started');
  return core;
};
const rpc = rpcEndpoint(host, {
  evaluate: (input: PatientInput, idempotency?: IdempotencyRequest) => started().evaluate(input, idempotency),
  rulesStatus: () => started().rulesStatus(),
  checkStore: () => started().checkStore(),
  checkRules: () => started().checkRules(),
  checkQueue: () => started().checkQueue(),
  queueDepth: () => started().queueDepth(),
  close: () => started().close(),
}, (note) => {
  // Sent once the host has the reply to close(): nothing keeps the thread alive after this.
  if (note === 'dismiss') host.close();
});

try {
  core = await startServiceCore(config, logger, options, {
    invalidate: (id) => rpc.note('invalidate', id),
    job: (report) => rpc.note('job', report),
    reload: (outcome) => rpc.note('reload', outcome),
  });
  rpc.note('ready');
} catch (err) {
  rpc.note('failed', err instanceof Error ? err.message : String(err));
}
