import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { createClient } from 'redis';
import { uniquePatientId } from './helpers/api-service.js';
import { expectMatchesSpec } from './helpers/openapi-contract.js';
import { evaluate, processed, published, readRecommendation, useTopology, type ServiceProcess } from './helpers/processes.js';
import { useRedis } from './setup/redis.js';
import { expectNotifiedOnEveryChannel, simulatedDeliveries } from './helpers/notifications.js';

/**
 * The production topology over SQLite + a real Redis: `npm run start:api`
 * and `npm run start:worker` as separate processes. Each describe block has
 * its own redis-server; each test its own DATA_DIR and processes.
 */
const count = (lines: Array<Record<string, unknown>>, message: string, id: string) =>
  lines.filter((l) => l.message === message && l.recommendation_id === id).length;

describe('topology: a recommendation crosses from the API process to the worker process', function () {
  this.timeout(30_000);
  const redis = useRedis();
  const topology = useTopology(() => redis.url());

  it('is audited, notified once by e-mail and counted in the report, with no patient data in either log', async () => {
    const top = topology();
    const [api, worker] = await Promise.all([top.api(), top.worker()]);
    const patientId = uniquePatientId();

    const created = await evaluate(top, api, { patient_id: patientId, age: 70, chronic_pain: true });
    expect(created.status).to.equal(201);
    const id = created.body.id as string;
    await published(api, id);
    await processed(worker, id);

    const read = await readRecommendation(top, api, id);
    expect(read.status).to.equal(200);
    expectMatchesSpec(read, '/recommendation/{id}', 'get');
    expectNotifiedOnEveryChannel(read.body.notifications);
    expect(read.body.recommendations).to.deep.equal(created.body.recommendations);

    const audit = await top.store().getAudit(id);
    expect(audit).to.deep.include({ recommendationId: id, patientId, recommendation: 'Physical Therapy', codes: ['PHYSICAL_THERAPY'] });
    expect(audit?.ruleset).to.deep.equal(created.body.ruleset);

    const today = (created.body.created_at as string).slice(0, 10);
    const report = await api.http.get(`/reports/summary?from=${today}&to=${today}`).set('Authorization', `Bearer ${top.token()}`);
    expect(report.status).to.equal(200);
    expectMatchesSpec(report, '/reports/summary', 'get');
    expect(report.body).to.deep.include({ total: 1, by_code: { PHYSICAL_THERAPY: 1 } });
    const version = created.body.ruleset.version as string;
    expect(report.body.daily).to.deep.equal([{ date: today, total: 1, by_code: { PHYSICAL_THERAPY: 1 }, by_ruleset_version: { [version]: 1 } }]);

    expect(simulatedDeliveries(worker.logs, id)).to.deep.equal(['email', 'sms']);
    expect(await top.store().countPendingEvents()).to.equal(0);
    expect(JSON.stringify(top.allLogs())).to.not.contain(patientId);
    const workerReady = await worker.http.get('/health/ready');
    expect(workerReady.status).to.equal(200);
    expect(workerReady.body).to.deep.equal({ status: 'ok', checks: { store: { status: 'ok' }, queue: { status: 'ok' } } });
  });
});

describe('topology: Idempotency-Key across the API process', function () {
  this.timeout(30_000);
  const redis = useRedis();
  const topology = useTopology(() => redis.url());

  async function history(api: ServiceProcess, token: string, patientId: string) {
    const res = await api.http.get(`/patients/${patientId}/recommendations`).set('Authorization', `Bearer ${token}`);
    expect(res.status).to.equal(200);
    return res.body.items as Array<{ id: string }>;
  }

  it('replays the same key and body with 200 and the same recommendation: one record, one event, one notification; another body is 422', async () => {
    const top = topology();
    // The worker starts after the replays, so the replayed body is the original one exactly (no notification yet).
    const api = await top.api();
    const patientId = uniquePatientId();
    const body = { patient_id: patientId, age: 72, chronic_pain: true };
    const key = { 'Idempotency-Key': `key-${randomUUID()}` };

    const first = await evaluate(top, api, body, key);
    const replay = await evaluate(top, api, body, key);
    const conflict = await evaluate(top, api, { ...body, age: 73 }, key);

    expect(first.status).to.equal(201);
    expect(replay.status).to.equal(200);
    expect(replay.body).to.deep.equal(first.body);
    expect(replay.headers.location).to.equal(`/recommendation/${first.body.id}`);
    expect(conflict.status).to.equal(422);
    expect(conflict.headers['content-type']).to.match(/^application\/problem\+json/);
    expect(conflict.body).to.include({ status: 422 });

    const id = first.body.id as string;
    const worker = await top.worker();
    await processed(worker, id);
    expect((await history(api, top.token(), patientId)).map((r) => r.id)).to.deep.equal([id]);
    expect(count(api.logs, 'event published', id)).to.equal(1);
    expect(count(api.logs, 'idempotent replay', id)).to.equal(1);
    expect(await top.store().countPendingEvents()).to.equal(0);
    expectNotifiedOnEveryChannel((await readRecommendation(top, api, id)).body.notifications);
    expect(simulatedDeliveries(worker.logs, id)).to.deep.equal(['email', 'sms']);
  });

  it('creates one recommendation when the same key and body arrive concurrently', async () => {
    const top = topology();
    const [api, worker] = await Promise.all([top.api(), top.worker()]);
    const patientId = uniquePatientId();
    const body = { patient_id: patientId, age: 40, bmi: 33 };
    const key = { 'Idempotency-Key': `key-${randomUUID()}` };

    const responses = await Promise.all(Array.from({ length: 8 }, () => evaluate(top, api, body, key)));

    expect(responses.map((r) => r.status).sort()).to.deep.equal([200, 200, 200, 200, 200, 200, 200, 201]);
    const ids = new Set(responses.map((r) => r.body.id as string));
    expect(ids.size).to.equal(1);
    const [id] = [...ids] as [string];
    await processed(worker, id);
    expect((await history(api, top.token(), patientId)).map((r) => r.id)).to.deep.equal([id]);
    expectNotifiedOnEveryChannel((await readRecommendation(top, api, id)).body.notifications);
  });
});

describe('topology: the Redis cache of GET /recommendation/{id}', function () {
  this.timeout(30_000);
  const redis = useRedis();
  const topology = useTopology(() => redis.url());

  it('never hides the worker’s write, and serves from the store while Redis is down', async function () {
    redis.skipUnlessRestartable(this);
    const top = topology();
    const api = await top.api();
    const created = await evaluate(top, api, { patient_id: uniquePatientId(), age: 30, recent_surgery: true });
    expect(created.status).to.equal(201);
    const id = created.body.id as string;

    // Read before any worker exists: nothing to show yet, read twice (a cached copy would be the risk).
    for (let i = 0; i < 2; i += 1) {
      const early = await readRecommendation(top, api, id);
      expect(early.status).to.equal(200);
      expect(early.body.notifications).to.deep.equal([]);
    }

    const worker = await top.worker();
    await processed(worker, id);
    const settled = await readRecommendation(top, api, id);
    expectNotifiedOnEveryChannel(settled.body.notifications);
    const again = await readRecommendation(top, api, id);
    expect(again.body).to.deep.equal(settled.body);
    // The worker's invalidation went through the shared Redis (the cache adapter's default key prefix):
    // the view itself is cached only after its invalidation window, so look for any key of this id.
    const probe = createClient({ url: redis.url() });
    await probe.connect();
    try {
      expect(await probe.keys(`cache:recommendation:${id}*`)).to.have.length.greaterThan(0);
    } finally {
      probe.destroy();
    }

    await redis.stop();
    try {
      const duringOutage = await readRecommendation(top, api, id);
      expect(duringOutage.status).to.equal(200);
      expect(duringOutage.body).to.deep.equal(settled.body);
      const ready = await api.http.get('/health/ready');
      expect(ready.status).to.equal(200);
      expect(ready.body.status).to.equal('degraded');
    } finally {
      await redis.start();
    }
  });
});
