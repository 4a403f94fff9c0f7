import { AsyncLocalStorage } from 'node:async_hooks';

/** Correlation ids carried through async calls so every log line can name them. */
export interface RequestContext {
  requestId?: string;
  recommendationId?: string;
  jobId?: string;
}

const storage = new AsyncLocalStorage<RequestContext>();

export function runWithContext<T>(context: RequestContext, fn: () => T): T {
  return storage.run(context, fn);
}

export function currentContext(): RequestContext | undefined {
  return storage.getStore();
}
