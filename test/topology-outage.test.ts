import { expect } from 'chai';
import { createClient } from 'redis';
import { uniquePatientId } from './helpers/api-service.js';
import { evaluate, processed, published, readRecommendation, type ServiceProcess, type Topology, until, useTopology } from './helpers/processes.js';
import { useRedis, type RedisHandle } from './setup/redis.js';
import { expectNotifiedOnEveryChannel, simulatedDeliveries } from './helpers/notifications.js';

/**
 * Redis outages under the production topology (API and worker processes,
 * SQLite + real Redis): no request fails, every event is delivered once
 * Redis is back, and every recommendation ends with exactly one notification.
 */

async function expectEachDeliveredOnce(top: Topology, api: ServiceProcess, worker: ServiceProcess, ids: string[]): Promise<void> {
  await Promise.all(ids.map((id) => processed(worker, id, 20_000)));
  await Promise.all(ids.map((id) => published(api, id, 5000)));
  expect(await top.store().countPendingEvents()).to.equal(0);
  // One read at a time: a burst of hundreds would only measure the API's queueing.
  const reads = [];
  for (const id of ids) reads.push(await readRecommendation(top, api, id));
  expect(reads.map((r) => r.status)).to.deep.equal(ids.map(() => 200));
  for (const r of reads) expectNotifiedOnEveryChannel(r.body.notifications);
  expect(ids.map((id) => simulatedDeliveries(worker.logs, id))).to.deep.equal(ids.map(() => ['email', 'sms']));
  const audits = await Promise.all(ids.map((id) => top.store().getAudit(id)));
  expect(audits.filter((a) => a === undefined)).to.have.length(0);
}

async function reportTotal(top: Topology, api: ServiceProcess): Promise<number> {
  const res = await api.http.get('/reports/summary').set('Authorization', `Bearer ${top.token()}`);
  expect(res.status).to.equal(200);
  return res.body.total as number;
}

async function expectDegraded(process: ServiceProcess): Promise<void> {
  const ready = await process.http.get('/health/ready');
  expect(ready.status, `${process.kind} /health/ready`).to.equal(200);
  expect(ready.body.status).to.equal('degraded');
  expect(ready.body.checks.queue.status).to.equal('down');
  expect(ready.body.checks.store).to.deep.equal({ status: 'ok' });
}

/**
 * Production Redis keeps what it acknowledged across a restart (AOF, see
 * docker-compose.yml); the harness restarts an empty server. Freezing writes
 * and snapshotting just before the kill gives the restarted server exactly
 * the acknowledged writes (it loads dump.rdb from its folder); a write still
 * waiting at the kill fails at its client, as it would in a real crash.
 */
async function stopRedisKeepingData(redis: RedisHandle): Promise<void> {
  const admin = createClient({ url: redis.url() });
  await admin.connect();
  await admin.sendCommand(['CLIENT', 'PAUSE', '60000', 'WRITE']);
  await admin.sendCommand(['SAVE']);
  admin.destroy();
  await redis.stop();
}

/**
 * Clients sending POST /evaluate until stopped; `more(n)` awaits n further
 * responses. The pause between a client's requests only paces the load (a
 * Redis restart takes about a second), it never stands in for a wait.
 */
function traffic(top: Topology, api: ServiceProcess, clients: number, paceMs: number) {
  const results: Array<{ status: number; id?: string; error?: string }> = [];
  const waiters: Array<{ count: number; resolve: () => void }> = [];
  let running = true;
  const loops = Array.from({ length: clients }, async () => {
    while (running) {
      const res = await evaluate(top, api, { patient_id: uniquePatientId(), age: 70, chronic_pain: true }).then(
        (r) => ({ status: r.status, id: r.body.id as string | undefined }),
        (err: Error) => ({ status: 0, error: err.message }),
      );
      results.push(res);
      for (const w of waiters.filter((w) => results.length >= w.count)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
      await new Promise((resolve) => setTimeout(resolve, paceMs));
    }
  });
  return {
    results,
    more: (n: number) => new Promise<void>((resolve) => waiters.push({ count: results.length + n, resolve })),
    async stop() {
      running = false;
      await Promise.all(loops);
    },
  };
}

describe('topology: Redis stopped while requests arrive', function () {
  this.timeout(40_000);
  const redis = useRedis();
  const topology = useTopology(() => redis.url());

  it('stores every request with its event, reports degraded, then delivers each event exactly once after Redis restarts', async function () {
    redis.skipUnlessRestartable(this);
    const top = topology();
    const [api, worker] = await Promise.all([top.api(), top.worker()]);
    const before = await evaluate(top, api, { patient_id: uniquePatientId(), age: 70, chronic_pain: true });
    await processed(worker, before.body.id);

    await redis.stop();
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => evaluate(top, api, { patient_id: uniquePatientId(), age: 70, chronic_pain: true })),
    );
    expect(responses.map((r) => r.status)).to.deep.equal(responses.map(() => 201));
    const ids = responses.map((r) => r.body.id as string);
    expect(await top.store().countPendingEvents()).to.equal(20);
    await expectDegraded(api);
    await expectDegraded(worker);

    await redis.start();
    await expectEachDeliveredOnce(top, api, worker, ids);
    expect(await reportTotal(top, api)).to.equal(21);
  });
});

describe('topology: Redis stopped and restarted under continuous traffic', function () {
  this.timeout(40_000);
  const redis = useRedis();
  const topology = useTopology(() => redis.url());

  it('answers every request 201, and every recommendation ends with exactly one notification', async function () {
    redis.skipUnlessRestartable(this);
    const top = topology();
    const [api, worker] = await Promise.all([top.api(), top.worker()]);
    const load = traffic(top, api, 3, 20);

    await load.more(10);
    await stopRedisKeepingData(redis); // requests are in flight meanwhile
    await load.more(20);
    // Down long enough that a publish gave up on it (the publisher waits up to 2 s for Redis).
    const metTheOutage = async () => api.logs.some((l) => l.message === 'event publish failed, will retry');
    await until(metTheOutage, 'an event to meet the outage');
    await redis.start(); // also under traffic
    await load.more(10);
    await load.stop();

    const failures = load.results.filter((r) => r.status !== 201);
    expect(failures, 'non-201 responses').to.deep.equal([]);
    const ids = load.results.map((r) => r.id as string);
    expect(new Set(ids).size).to.equal(ids.length);
    await expectEachDeliveredOnce(top, api, worker, ids);
    expect(await reportTotal(top, api)).to.equal(ids.length);
  });
});
