import { AppError } from '../core/platform/errors.js';
import type { Config } from '../core/platform/config.js';
import { rpcEndpoint } from '../core/threads/rpc.js';
import { startThread } from '../core/threads/start-thread.js';
import type { ReloadOutcome } from '../core/rules/ruleset-registry.js';
import type { JobReport } from '../worker/worker.js';
import type { CoreListener, CoreOptions, ServiceCore } from './service-core.js';

export interface CoreHost {
  /** Where the core's log lines go (the API's own log destination). */
  logs: NodeJS.WritableStream;
  listener: CoreListener;
  /** Told once if the core stops without being closed (a crash): the process cannot serve writes. */
  onStopped(error: Error): void;
  /** The thread's module, relative to this file; tests start a stand-in. */
  entry?: string;
}

/**
 * Starts the service core on its own thread and returns it behind the same
 * interface. Rejects with the core's own message when it cannot start (no
 * valid ruleset). Once it is gone, every call rejects with UNAVAILABLE.
 */
export async function startCoreThread(config: Config, options: CoreOptions, host: CoreHost): Promise<ServiceCore> {
  const thread = startThread(import.meta.url, host.entry ?? './core-thread', { workerData: { config, options }, stdout: true });
  thread.stdout.pipe(host.logs, { end: false });
  const exited = new Promise<number>((resolve) => thread.once('exit', resolve));

  let started = false;
  let closing = false;
  let crash: Error | undefined;
  let settle!: (failure?: Error) => void;
  const startup = new Promise<void>((resolve, reject) => (settle = (failure) => (failure ? reject(failure) : resolve())));
  const rpc = rpcEndpoint(thread, {}, (name, payload) => {
    if (name === 'ready') {
      started = true;
      settle();
    } else if (name === 'failed') settle(new Error(payload as string));
    else if (name === 'invalidate') host.listener.invalidate(payload as string);
    else if (name === 'job') host.listener.job(payload as JobReport);
    else if (name === 'reload') host.listener.reload(payload as ReloadOutcome);
  });
  thread.once('error', (err) => (crash = err));
  void exited.then((code) => {
    const gone = new AppError('UNAVAILABLE', `the service core stopped (thread exit code ${code})`);
    rpc.fail(gone);
    if (!started) settle(crash ?? gone);
    else if (!closing) host.onStopped(crash ?? gone);
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
      closing = true;
      await rpc.call('close');
      rpc.note('dismiss');
      await exited;
    },
  };
}
