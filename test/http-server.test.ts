import { request } from 'node:http';
import { expect } from 'chai';
import express from 'express';
import { listen } from '../core/platform/http-server.js';

/** A GET on Node's default agent, which keeps the socket alive; resolves with status and body. */
function get(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ port, path, headers: { connection: 'keep-alive' } }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject).end();
  });
}

describe('listen', () => {
  it('serves the app on a free port when given port 0', async () => {
    const app = express();
    app.get('/hello', (_req, res) => {
      res.status(201).json({ hello: 'world' });
    });
    const server = await listen(app, 0);
    try {
      expect(server.port).to.be.greaterThan(0);
      expect(await get(server.port, '/hello')).to.deep.equal({ status: 201, body: '{"hello":"world"}' });
    } finally {
      await server.close();
    }
  });

  it('close() lets an in-flight request finish, refuses new ones and closes keep-alive sockets once idle', async () => {
    let release: () => void = () => undefined;
    let reached: () => void = () => undefined;
    const handlerReached = new Promise<void>((resolve) => (reached = resolve));
    const app = express();
    app.get('/slow', (_req, res) => {
      release = () => res.send('done');
      reached();
    });
    app.get('/fast', (_req, res) => {
      res.send('fast');
    });
    const server = await listen(app, 0);
    // A kept-alive fetch connection stays idle in the pool after this.
    expect(await (await fetch(`http://127.0.0.1:${server.port}/fast`)).text()).to.equal('fast');
    const inFlight = get(server.port, '/slow');
    await handlerReached;
    const closed = server.close();
    const refused = await fetch(`http://127.0.0.1:${server.port}/fast`).then(() => false, () => true);
    expect(refused).to.equal(true);
    release();
    expect(await inFlight).to.deep.equal({ status: 200, body: 'done' });
    const started = Date.now();
    await closed;
    // Not the client agent's 5 s idle timeout, nor the server's 65 s keep-alive.
    expect(Date.now() - started).to.be.below(1000);
  });

  it('rejects when the port is taken', async () => {
    const first = await listen(express(), 0);
    try {
      const error = await listen(express(), first.port).then(() => undefined, (err: unknown) => err as NodeJS.ErrnoException);
      expect(error?.code).to.equal('EADDRINUSE');
    } finally {
      await first.close();
    }
  });
});
