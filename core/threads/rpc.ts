import { AppError, type ErrorCode, type FieldProblem } from '../platform/errors.js';

/**
 * Calls and one-way notes between two threads over a MessagePort (or a
 * Worker, or `parentPort`). Each side answers the other's calls with its
 * handlers. Everything sent during one event-loop turn leaves in one
 * postMessage: a message costs far more than its content, and a busy turn
 * sends dozens. An AppError keeps its code and field problems across.
 */
export interface MessageLink {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (message: unknown) => void): unknown;
}

export type Handlers = Record<string, (...args: never[]) => unknown>;

export interface RpcEndpoint {
  call<T>(method: string, ...args: unknown[]): Promise<T>;
  /** Fire and forget: the other side's `onNote` receives it, in order with calls. */
  note(name: string, payload?: unknown): void;
  /** Rejects every call still waiting (the other side is gone) and refuses new ones. */
  fail(reason: Error): void;
}

type Message =
  | { t: 'call'; id: number; method: string; args: unknown[] }
  | { t: 'reply'; id: number; value: unknown }
  | { t: 'throw'; id: number; error: SentError }
  | { t: 'note'; name: string; payload: unknown };

interface SentError {
  name: string;
  message: string;
  code?: ErrorCode;
  errors?: FieldProblem[];
}

export function rpcEndpoint(link: MessageLink, handlers: Handlers, onNote: (name: string, payload: unknown) => void = () => {}): RpcEndpoint {
  const waiting = new Map<number, { resolve: (value: unknown) => void; reject: (err: Error) => void }>();
  let outbox: Message[] = [];
  let nextId = 0;
  let failure: Error | undefined;

  const send = (message: Message) => {
    if (outbox.length === 0) setImmediate(flush);
    outbox.push(message);
  };
  const flush = () => {
    const batch = outbox;
    outbox = [];
    link.postMessage(batch);
  };

  async function answer(id: number, method: string, args: unknown[]): Promise<void> {
    try {
      // Own properties only: "toString" is not a handler.
      const handler = Object.hasOwn(handlers, method) ? (handlers[method] as (...a: unknown[]) => unknown) : undefined;
      if (handler === undefined) throw new Error(`no handler for "${method}"`);
      send({ t: 'reply', id, value: await handler(...args) });
    } catch (err) {
      send({ t: 'throw', id, error: toSent(err) });
    }
  }

  link.on('message', (batch) => {
    for (const message of batch as Message[]) {
      if (message.t === 'call') void answer(message.id, message.method, message.args);
      else if (message.t === 'note') onNote(message.name, message.payload);
      else {
        const caller = waiting.get(message.id);
        waiting.delete(message.id);
        if (message.t === 'reply') caller?.resolve(message.value);
        else caller?.reject(fromSent(message.error));
      }
    }
  });

  return {
    call<T>(method: string, ...args: unknown[]): Promise<T> {
      if (failure) return Promise.reject(failure);
      return new Promise<T>((resolve, reject) => {
        const id = nextId++;
        waiting.set(id, { resolve: resolve as (value: unknown) => void, reject });
        send({ t: 'call', id, method, args });
      });
    },
    note(name, payload) {
      if (!failure) send({ t: 'note', name, payload });
    },
    fail(reason) {
      failure = reason;
      for (const caller of waiting.values()) caller.reject(reason);
      waiting.clear();
    },
  };
}

function toSent(err: unknown): SentError {
  if (err instanceof AppError) return { name: err.name, message: err.message, code: err.code, ...(err.errors ? { errors: err.errors } : {}) };
  if (err instanceof Error) return { name: err.name, message: err.message };
  return { name: 'Error', message: String(err) };
}

function fromSent(sent: SentError): Error {
  if (sent.code !== undefined) return new AppError(sent.code, sent.message, sent.errors);
  const err = new Error(sent.message);
  err.name = sent.name;
  return err;
}
