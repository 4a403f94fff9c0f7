import { expect } from 'chai';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ceiling, readRecommendation } from '../bench/load.js';

describe('bench: a load slice', function () {
  this.timeout(20_000);

  let server: Server;
  let url: string;
  /** When the server saw its first and its last request. */
  let seen: { first: number; last: number } | undefined;

  beforeEach(async () => {
    seen = undefined;
    server = createServer((_req, res) => {
      const now = Date.now();
      seen = { first: seen?.first ?? now, last: now };
      res.setHeader('content-type', 'application/json');
      res.end('{}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterEach(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('counts its time, responses and latencies from the start of the load, not from before autocannon built its requests', async () => {
    // 100 connections each build the 1000 requests before any is sent: about a second here.
    const ids = Array.from({ length: 1000 }, (_, i) => `00000000-0000-7000-8000-${String(i).padStart(12, '0')}`);

    const slice = await readRecommendation({ url, token: 't', connections: 100 }, ids, { duration: 1 });

    const served = seen as { first: number; last: number };
    expect(slice.requests).to.be.greaterThan(0);
    expect(slice.errors).to.equal(0);
    // Load time: from the start event to the last sample tick, which lands within 100 ms of the last request.
    expect(slice.seconds).to.be.at.least(1);
    expect(slice.seconds).to.be.below((served.last - served.first) / 1000 + 0.3);
    expect(slice.endedAt).to.be.at.least(served.last);
    // Each connection's first request was written while the later connections were still
    // being built, and waited that out (up to a second): those are left out.
    expect(slice.latencies).to.have.length(slice.requests);
    expect(Math.max(...slice.latencies)).to.be.below(250);
  });

  it('rejects with autocannon\'s own message when autocannon cannot start', async () => {
    const failure = await ceiling(url, 0, { duration: 1 }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(failure).to.be.instanceOf(Error);
    expect((failure as Error).message).to.match(/connections/);
  });

  it('counts a server that refuses connections as errors, with no responses', async () => {
    // A port that was just free: nothing listens on it any more.
    const gone = createServer();
    await new Promise<void>((resolve) => gone.listen(0, '127.0.0.1', resolve));
    const { port } = gone.address() as AddressInfo;
    await new Promise((resolve) => gone.close(resolve));

    const slice = await ceiling(`http://127.0.0.1:${port}`, 5, { duration: 0.5 });

    expect(slice.errors).to.be.greaterThan(0);
    expect(slice.requests).to.equal(0);
  });
});
