import { AppError } from '../core/errors.js';
import type { Config } from '../core/config.js';
import { rpcEndpoint } from '../core/threads/rpc.js';
import { startThread } from '../core/threads/start-thread.js';
import type { ReloadOutcome } from '../core/rules/ruleset-registry.js';
import type { JobReport } from '../worker/worker.js';
import type { CoreListener, CoreOptions, ServiceCore } from './service-core.js';

/**
 * Starts the service core on its own thread and returns it behind the same
 * interface. Its log lines join `logs`; its notes reach `listener`. Rejects
 * with the core's own message when it cannot start (no valid ruleset).
 */
export async function startCoreThread(config: Config, options: CoreOptions, host: { logs: NodeJS.WritableStream; listener: CoreListener }): Promise<ServiceCore> {
  const thread = startThread(import.meta.url, './core-thread', { workerData: { config, options }, stdout: true });
  thread.stdout.pipe(host.logs, { end: false });
  const exited = new Promise<number>((resolve) => thread.once('exit', resolve));

  let settle!: (failure?: Error) => void;
  const startup = new Promise<void>((resolve, reject) => (settle = (failure) => (failure ? reject(failure) : resolve())));
  const rpc = rpcEndpoint(thread, {}, (name, payload) => {
    if (name === 'ready') settle();
    else if (name === 'failed') settle(new Error(payload as string));
    else if (name === 'invalidate') host.listener.invalidate(payload as string);
    else if (name === 'job') host.listener.job(payload as JobReport);
    else if (name === 'reload') host.listener.reload(payload as ReloadOutcome);
  });
  thread.once('error', (err) => settle(err));
  void exited.then((code) => {
    const gone = new AppError('UNAVAILABLE', `the service core stopped (thread exit code ${code})`);
    settle(gone);
    rpc.fail(gone);
  });

  try {
    await startup;
  } catch (err) {
    await thread.terminate();
    throw err;
  }
  return {
    evaluate: (input, idempotency) => rpc.call('evaluate', input, idempotency),
    rulesStatus: () => rpc.call('rulesStatus'),
    checkStore: () => rpc.call('checkStore'),
    checkRules: () => rpc.call('checkRules'),
    checkQueue: () => rpc.call('checkQueue'),
    queueDepth: () => rpc.call('queueDepth'),
    async close() {
      await rpc.call('close');
      rpc.note('dismiss');
      await exited;
    },
  };
}
