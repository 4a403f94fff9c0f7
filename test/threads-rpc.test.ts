import { MessageChannel } from 'node:worker_threads';
import { expect } from 'chai';
import { AppError } from '../core/platform/errors.js';
import { rpcEndpoint, type Handlers, type MessageLink } from '../core/threads/rpc.js';

/** Two endpoints joined by a MessageChannel, as two threads would be; counts the messages each side posts. */
function linked(serverHandlers: Handlers, onNote?: (name: string, payload: unknown) => void) {
  const { port1, port2 } = new MessageChannel();
  const posted = { client: 0, server: 0 };
  const counting = (port: typeof port1, side: keyof typeof posted): MessageLink => ({
    postMessage: (message) => {
      posted[side] += 1;
      port.postMessage(message);
    },
    on: (event, listener) => port.on(event, listener),
  });
  const client = rpcEndpoint(counting(port1, 'client'), {});
  const server = rpcEndpoint(counting(port2, 'server'), serverHandlers, onNote);
  return { client, server, posted, close: () => port1.close() };
}

describe('thread RPC', () => {
  it('answers a call with the handler result', async () => {
    const { client, close } = linked({ add: (a: number, b: number) => a + b });
    try {
      expect(await client.call('add', 2, 3)).to.equal(5);
    } finally {
      close();
    }
  });

  it('keeps an AppError thrown by a handler: its code, message and field problems', async () => {
    const { client, close } = linked({
      check: () => {
        throw new AppError('VALIDATION', 'derived BMI is implausible', [{ path: '/body/weight_kg', message: 'too heavy' }]);
      },
    });
    try {
      const err = await client.call('check').catch((e: unknown) => e);
      expect(err).to.be.instanceOf(AppError);
      expect(err).to.include({ code: 'VALIDATION', message: 'derived BMI is implausible' });
      expect((err as AppError).errors).to.deep.equal([{ path: '/body/weight_kg', message: 'too heavy' }]);
    } finally {
      close();
    }
  });

  it('turns any other throw into an Error with its message, and a rejected handler likewise', async () => {
    const { client, close } = linked({
      boom: () => {
        throw new TypeError('bad thing');
      },
      later: async () => Promise.reject(new Error('async bad thing')),
    });
    try {
      const err = await client.call('boom').catch((e: unknown) => e);
      expect(err).to.be.instanceOf(Error).and.not.instanceOf(AppError);
      expect(err).to.include({ name: 'TypeError', message: 'bad thing' });
      expect(await client.call('later').catch((e: unknown) => (e as Error).message)).to.equal('async bad thing');
    } finally {
      close();
    }
  });

  it('rejects a call to a method the other side does not serve, naming it', async () => {
    const { client, close } = linked({});
    try {
      expect(await client.call('nothing').catch((e: unknown) => (e as Error).message)).to.include('"nothing"');
      expect(await client.call('toString').catch((e: unknown) => (e as Error).message), 'not an inherited method').to.include('"toString"');
    } finally {
      close();
    }
  });

  it('sends everything of one event-loop turn in one message', async () => {
    const { client, posted, close } = linked({ echo: (x: number) => x });
    try {
      const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => client.call('echo', i)));
      expect(answers).to.deep.equal(Array.from({ length: 50 }, (_, i) => i));
      expect(posted).to.deep.equal({ client: 1, server: 1 });
    } finally {
      close();
    }
  });

  it('delivers notes in order with calls', async () => {
    const seen: string[] = [];
    const { client, close } = linked({ mark: (x: string) => void seen.push(`call ${x}`) }, (name, payload) => seen.push(`${name} ${String(payload)}`));
    try {
      client.note('note', 'a');
      const done = client.call('mark', 'b');
      client.note('note', 'c');
      await done;
      await new Promise((resolve) => setImmediate(resolve));
      expect(seen).to.deep.equal(['note a', 'call b', 'note c']);
    } finally {
      close();
    }
  });

  it('rejects waiting and later calls once the other side is known to be gone', async () => {
    const { client, close } = linked({ never: () => new Promise(() => {}) });
    try {
      const waiting = client.call('never');
      const gone = new AppError('UNAVAILABLE', 'the other thread stopped');
      client.fail(gone);
      expect(await waiting.catch((e: unknown) => e)).to.equal(gone);
      expect(await client.call('never').catch((e: unknown) => e)).to.equal(gone);
    } finally {
      close();
    }
  });
});
