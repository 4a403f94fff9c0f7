import { expect } from 'chai';
import type { Response } from 'supertest';
import { expectMatchesSpec } from './helpers/openapi-contract.js';
import { startTestService, uniquePatientId, type TestService } from './helpers/api-service.js';
import { RawConnection, type RawResponse } from './helpers/raw-http.js';
import { useTopology } from './helpers/processes.js';
import { useRedis } from './setup/redis.js';

function expectTooManyRequests(res: Response, limit: number): void {
  expect(res.status, res.text).to.equal(429);
  expect(res.headers['content-type']).to.match(/^application\/problem\+json/);
  expect(res.body).to.include({ status: 429, title: 'Too many requests' });
  const retryAfter = Number(res.headers['retry-after']);
  expect(retryAfter).to.be.within(0, 60);
  expect(res.headers.ratelimit).to.match(/^"per-subject"; r=0; t=\d+$/);
  expect(res.headers['ratelimit-policy']).to.match(new RegExp(`^"per-subject"; q=${limit}; w=60; pk=:[A-Za-z0-9+/=]+:$`));
}

describe('Rate limits (in memory, one process)', () => {
  const LIMIT = 3;
  let svc: TestService;
  before(async () => {
    svc = await startTestService({ RATE_LIMIT_PER_MINUTE: String(LIMIT) });
  });
  after(async () => svc.stop());

  const rulesAs = (token?: string) => {
    const req = svc.http.get('/rules');
    return token === undefined ? req : req.set('Authorization', `Bearer ${token}`);
  };

  it('lets a subject make RATE_LIMIT_PER_MINUTE requests, then answers 429 with Retry-After and RateLimit headers', async () => {
    const token = svc.token(undefined, 'limited-subject');
    for (let i = 0; i < LIMIT; i += 1) {
      const res = await rulesAs(token);
      expect(res.status, res.text).to.equal(200);
      expect(res.headers.ratelimit).to.equal(`"per-subject"; r=${LIMIT - 1 - i}; t=${/t=(\d+)/.exec(res.headers.ratelimit as string)?.[1]}`);
    }
    const over = await rulesAs(token);
    expectTooManyRequests(over, LIMIT);
    expectMatchesSpec(over, '/rules', 'get');
    // The subject is limited, not the token: another token of the same subject counts against it.
    expectTooManyRequests(await svc.http.post('/evaluate').set('Authorization', `Bearer ${svc.token(['recommendations:write'], 'limited-subject')}`).send({ patient_id: uniquePatientId(), age: 40 }), LIMIT);
  });

  it('counts each subject on its own', async () => {
    for (let i = 0; i < LIMIT; i += 1) expect((await rulesAs(svc.token(undefined, 'busy-subject'))).status).to.equal(200);
    expect((await rulesAs(svc.token(undefined, 'busy-subject'))).status).to.equal(429);
    expect((await rulesAs(svc.token(undefined, 'quiet-subject'))).status).to.equal(200);
  });

  it('limits requests without a valid token per client address, apart from the subjects it serves', async () => {
    for (let i = 0; i < LIMIT; i += 1) expect((await rulesAs()).status).to.equal(401);
    expectTooManyRequests(await rulesAs(), LIMIT);
    expectTooManyRequests(await rulesAs('not-a-token'), LIMIT);
    expect((await rulesAs(svc.token(undefined, 'subject-on-the-same-address'))).status).to.equal(200);
  });

  it('never limits health and metrics, which probes call on their own schedule', async () => {
    for (let i = 0; i < LIMIT + 3; i += 1) {
      expect((await svc.http.get('/health/live')).status).to.equal(200);
      expect((await svc.http.get('/health/ready')).status).to.equal(200);
      const metrics = await svc.http.get('/metrics');
      expect(metrics.status).to.equal(200);
      expect(metrics.headers).to.not.have.property('ratelimit');
    }
  });
});

describe('Rate limits turned off (RATE_LIMIT_PER_MINUTE=0)', () => {
  let svc: TestService;
  before(async () => {
    svc = await startTestService({ RATE_LIMIT_PER_MINUTE: '0' });
  });
  after(async () => svc.stop());

  it('sends no RateLimit headers and never answers 429', async () => {
    for (let i = 0; i < 30; i += 1) {
      const res = await svc.http.get('/rules').set('Authorization', `Bearer ${svc.token()}`);
      expect(res.status).to.equal(200);
      expect(res.headers).to.not.have.property('ratelimit');
    }
  });
});

describe('Rate limits across API replicas (Redis)', function () {
  this.timeout(60_000);
  const redis = useRedis();
  const topology = useTopology(() => redis.url());

  it('counts a subject once across two API processes, and lets requests through while Redis is down', async function () {
    const LIMIT = 4;
    const top = topology();
    // One after the other: two processes compiling at once on a busy machine can outlast the start timeout.
    const first = await top.api({ RATE_LIMIT_PER_MINUTE: String(LIMIT) });
    const second = await top.api({ RATE_LIMIT_PER_MINUTE: String(LIMIT) });
    const token = top.token(undefined, 'replicated-subject');
    const statuses: number[] = [];
    for (let i = 0; i < LIMIT + 2; i += 1) {
      const api = i % 2 === 0 ? first : second;
      const res = await api.http.get('/rules').set('Authorization', `Bearer ${token}`);
      statuses.push(res.status);
      if (res.status === 429) expectTooManyRequests(res, LIMIT);
    }
    // In memory, each process would have allowed 4: 8 in all.
    expect(statuses).to.deep.equal([200, 200, 200, 200, 429, 429]);

    redis.skipUnlessRestartable(this);
    await redis.stop();
    try {
      const during = await first.http.get('/rules').set('Authorization', `Bearer ${top.token(undefined, 'subject-during-outage')}`);
      expect(during.status, 'a Redis outage must not fail or stall requests').to.equal(200);
    } finally {
      await redis.start();
    }
  });
});

describe('Security headers', () => {
  let svc: TestService;
  before(async () => {
    svc = await startTestService();
  });
  after(async () => svc.stop());

  const responses: Array<[string, () => Promise<Response>]> = [
    ['a JSON answer', () => svc.http.get('/rules').set('Authorization', `Bearer ${svc.token()}`)],
    ['a 401', () => svc.http.get('/rules')],
    ['a 404', () => svc.http.get('/no-such-path')],
    ['a probe', () => svc.http.get('/health/live')],
    ['Swagger UI', () => svc.http.get('/docs/')],
  ];
  for (const [what, call] of responses) {
    it(`are on ${what}, with a same-origin content security policy`, async () => {
      const res = await call();
      const csp = res.headers['content-security-policy'] as string;
      expect(csp).to.include("default-src 'self'");
      expect(csp).to.include("script-src 'self'");
      expect(csp).to.include("object-src 'none'");
      expect(csp).to.include("frame-ancestors 'none'");
      expect(csp, 'plain HTTP inside compose: no upgrade').to.not.include('upgrade-insecure-requests');
      expect(res.headers['x-content-type-options']).to.equal('nosniff');
      expect(res.headers['x-frame-options']).to.equal('SAMEORIGIN');
      expect(res.headers['referrer-policy']).to.equal('no-referrer');
      expect(res.headers['cross-origin-opener-policy']).to.equal('same-origin');
      expect(res.headers).to.not.have.property('x-powered-by');
    });
  }
});

describe('Request bodies over 64 KiB', () => {
  let svc: TestService;
  before(async () => {
    svc = await startTestService();
  });
  after(async () => svc.stop());

  async function openPost(headers: string[]): Promise<RawConnection> {
    const conn = await RawConnection.open(svc.service.port);
    conn.writeHead(['POST /evaluate HTTP/1.1', 'Host: 127.0.0.1', `Authorization: Bearer ${svc.token()}`, 'Content-Type: application/json', ...headers]);
    return conn;
  }

  async function expectTooLargeAndClosed(conn: RawConnection): Promise<RawResponse> {
    const res = await conn.response(5000);
    expect(res.status, res.body).to.equal(413);
    expect(res.headers['content-type']).to.match(/^application\/problem\+json/);
    expect(res.headers.connection).to.equal('close');
    expect(res.headers['content-security-policy']).to.be.a('string');
    expect(JSON.parse(res.body)).to.include({ status: 413, title: 'Request body too large' });
    await conn.serverClosed;
    return res;
  }

  it('answers 413 from the declared Content-Length while the client is still sending, and closes the connection', async () => {
    const conn = await openPost(['Content-Length: 1000000']);
    conn.write(Buffer.alloc(70_000, 0x20));
    // The client holds the rest back: the answer must not wait for it.
    await expectTooLargeAndClosed(conn);
  });

  it('answers 413 before authentication: a large body is refused whoever sends it', async () => {
    const conn = await RawConnection.open(svc.service.port);
    conn.writeHead(['POST /evaluate HTTP/1.1', 'Host: 127.0.0.1', 'Content-Type: application/json', 'Content-Length: 65537']);
    await expectTooLargeAndClosed(conn);
  });

  it('answers 413 to a chunked body as soon as it passes 64 KiB, without waiting for its end', async () => {
    const conn = await openPost(['Transfer-Encoding: chunked']);
    const chunk = Buffer.alloc(16 * 1024, 0x20);
    for (let i = 0; i < 5; i += 1) conn.write(Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]));
    // No terminating chunk: a client that never finishes.
    await expectTooLargeAndClosed(conn);
  });

  it('answers 413 to a chunked candidate ruleset (POST /rules/impact) as soon as it passes RULES_MAX_FILE_BYTES, without waiting for its end', async () => {
    const conn = await RawConnection.open(svc.service.port);
    conn.writeHead(['POST /rules/impact HTTP/1.1', 'Host: 127.0.0.1', `Authorization: Bearer ${svc.token(['rules:read'])}`, 'Content-Type: application/json', 'Transfer-Encoding: chunked']);
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    for (let sent = 0; sent <= svc.config.rulesMaxFileBytes; sent += chunk.length) conn.write(Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]));
    // No terminating chunk: a client that never finishes.
    await expectTooLargeAndClosed(conn);
  });

  it('answers 413 from the declared Content-Length of a candidate ruleset (POST /rules/impact) over RULES_MAX_FILE_BYTES while the client is still sending', async () => {
    const conn = await RawConnection.open(svc.service.port);
    conn.writeHead(['POST /rules/impact HTTP/1.1', 'Host: 127.0.0.1', `Authorization: Bearer ${svc.token(['rules:read'])}`, 'Content-Type: application/json', `Content-Length: ${svc.config.rulesMaxFileBytes + 1}`]);
    conn.write(Buffer.alloc(1024, 0x20));
    // The client holds the rest back: the answer must not wait for it.
    await expectTooLargeAndClosed(conn);
  });

  it('accepts a body of exactly 64 KiB (the control)', async () => {
    const json = JSON.stringify({ patient_id: uniquePatientId(), age: 40 });
    const body = json.padEnd(64 * 1024, ' ');
    const conn = await openPost([`Content-Length: ${Buffer.byteLength(body)}`, 'Connection: close']);
    conn.write(body);
    const res = await conn.response();
    expect(res.status, res.body).to.equal(201);
    conn.destroy();
  });
});
