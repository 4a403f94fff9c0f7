import { request } from 'node:http';
import { expect } from 'chai';
import express from 'express';
import { listen, SERVER_LIMITS } from '../core/platform/http-server.js';
import { RawConnection } from './helpers/raw-http.js';

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

describe('listen: limits on slow and idle clients', () => {
  /** An app that echoes the byte length of the body it read. */
  function echoLength() {
    const app = express();
    app.post('/echo', express.text({ type: () => true }), (req, res) => {
      res.send(String((req.body as string).length));
    });
    app.get('/fast', (_req, res) => {
      res.send('fast');
    });
    // The timed-out body surfaces as "request aborted": nothing to answer, nothing to print.
    app.use(((_err, _req, res, _next) => res.destroy()) as express.ErrorRequestHandler);
    return app;
  }

  it('sets the documented defaults on purpose (docs/operations.md, Connections and timeouts)', () => {
    expect(SERVER_LIMITS).to.deep.include({ headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, keepAliveTimeoutMs: 65_000, maxConnections: 4096 });
  });

  /** Starts a server with `limits`, sends a request that stalls, and expects 408 and a closed connection. */
  async function expectTimedOut(limits: Parameters<typeof listen>[2], stall: (conn: RawConnection) => void): Promise<void> {
    const server = await listen(echoLength(), 0, limits);
    const conn = await RawConnection.open(server.port);
    try {
      stall(conn);
      const res = await conn.response(3000);
      expect(res.status).to.equal(408);
      await conn.serverClosed;
    } finally {
      conn.destroy();
      await server.close();
    }
  }

  it('answers 408 and closes a connection whose headers do not arrive within headersTimeout', async () => {
    await expectTimedOut({ headersTimeoutMs: 300, connectionsCheckingIntervalMs: 50 }, (conn) => conn.write('GET /fast HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: '));
  });

  it('answers 408 and closes a connection whose body does not arrive within requestTimeout', async () => {
    await expectTimedOut({ headersTimeoutMs: 200, requestTimeoutMs: 400, connectionsCheckingIntervalMs: 50 }, (conn) => {
      conn.writeHead(['POST /echo HTTP/1.1', 'Host: 127.0.0.1', 'Content-Length: 10']);
      conn.write('12345');
    });
  });

  it('closes connections past maxConnections as soon as they are accepted', async () => {
    const server = await listen(echoLength(), 0, { maxConnections: 2 });
    const held = [await RawConnection.open(server.port), await RawConnection.open(server.port)];
    try {
      const third = await RawConnection.open(server.port);
      await third.serverClosed;
      expect(third.text()).to.equal('');
      held[0]?.destroy();
      // Once one is gone, a new client is served again.
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(await get(server.port, '/fast')).to.deep.equal({ status: 200, body: 'fast' });
    } finally {
      for (const conn of held) conn.destroy();
      await server.close();
    }
  });
});

describe('listen: close() drains', () => {
  it('finishes a request whose body is still arriving, with Connection: close', async () => {
    const app = express();
    app.post('/echo', express.text({ type: () => true }), (req, res) => {
      res.send(`got ${(req.body as string).length}`);
    });
    const server = await listen(app, 0);
    const conn = await RawConnection.open(server.port);
    conn.writeHead(['POST /echo HTTP/1.1', 'Host: 127.0.0.1', 'Content-Type: text/plain', 'Content-Length: 10']);
    conn.write('12345');
    await new Promise((resolve) => setTimeout(resolve, 50));
    const closed = server.close();
    conn.write('67890');
    const res = await conn.response();
    expect(res).to.deep.include({ status: 200, body: 'got 10' });
    expect(res.headers.connection).to.equal('close');
    await conn.serverClosed;
    await closed;
  });

  it('does not wait for a connection that never starts a request beyond the idle grace', async () => {
    // headersTimeout far beyond the test's own timeout: only the drain's grace can end this connection.
    const server = await listen(express(), 0, { headersTimeoutMs: 60_000, requestTimeoutMs: 120_000, drainIdleGraceMs: 200 });
    const silent = await RawConnection.open(server.port);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await server.close();
    await silent.serverClosed;
    expect(silent.text()).to.equal('');
  });

  it('serves a request that arrives on an open connection during the grace, with Connection: close', async () => {
    const app = express();
    app.get('/fast', (_req, res) => {
      res.send('fast');
    });
    const server = await listen(app, 0, { drainIdleGraceMs: 2000 });
    const conn = await RawConnection.open(server.port);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const closed = server.close();
    conn.writeHead(['GET /fast HTTP/1.1', 'Host: 127.0.0.1']);
    const res = await conn.response();
    expect(res).to.deep.include({ status: 200, body: 'fast' });
    expect(res.headers.connection).to.equal('close');
    await conn.serverClosed;
    await closed;
  });
});
