import net from 'node:net';
import { expect } from 'chai';
import { patientKey } from '../core/domain/recommendation.js';
import { uniquePatientId } from './helpers/api-service.js';
import {
  evaluate,
  processed,
  queueDepth,
  readRecommendation,
  type ServiceProcess,
  type Topology,
  until,
  useTopology,
} from './helpers/processes.js';
import { RawConnection } from './helpers/raw-http.js';
import { useRedis } from './setup/redis.js';
import { expectNotifiedOnEveryChannel, outboxKeys, simulatedDeliveries } from './helpers/notifications.js';

/**
 * Process lifecycle under the production topology: a worker that dies
 * mid-job, and SIGTERM draining of both processes.
 */
const count = (p: ServiceProcess, message: string, id: string) =>
  p.logs.filter((l) => l.message === message && l.recommendation_id === id).length;

/** The worker logs nothing between taking a job and delivering: the pending notifications (written first) are the sign. */
async function workerIsInside(top: Topology, id: string): Promise<void> {
  await until(async () => ((await top.store().getRecommendation(id))?.notifications.length ?? 0) > 0, `a worker inside the job of ${id}`);
}

async function reportOf(top: Topology, api: ServiceProcess) {
  const res = await api.http.get('/reports/summary').set('Authorization', `Bearer ${top.token()}`);
  expect(res.status).to.equal(200);
  return res.body as { total: number; by_code: Record<string, number> };
}

describe('topology: a worker process killed mid-job', function () {
  this.timeout(40_000);
  const redis = useRedis();
  const topology = useTopology(() => redis.url());

  it('leaves the job to a new worker process, which delivers the pending notifications: each key once, one audit, counted once', async () => {
    const top = topology();
    // A slow delivery keeps the job in flight; a short lock makes its recovery quick.
    const slow = { NOTIFY_DELAY_MS: '1500', WORKER_LOCK_DURATION_MS: '2000' };
    const [api, first] = await Promise.all([top.api(), top.worker(slow)]);
    const created = await evaluate(top, api, { patient_id: uniquePatientId(), age: 70, chronic_pain: true });
    const id = created.body.id as string;

    await workerIsInside(top, id);
    first.signal('SIGKILL');
    expect(await first.exited).to.deep.equal({ code: null, signal: 'SIGKILL' });
    expect(count(first, 'recommendation event processed', id), 'the first worker finished').to.equal(0);

    const second = await top.worker(slow);
    await processed(second, id, 15_000);

    const read = await readRecommendation(top, api, id);
    expectNotifiedOnEveryChannel(read.body.notifications);
    expect(await top.store().getAudit(id)).to.include({ recommendationId: id });
    expect(await reportOf(top, api)).to.deep.include({ total: 1, by_code: { PHYSICAL_THERAPY: 1 } });
    // Killed mid-delivery, the first worker left the notifications pending: the second delivered them, each key once.
    expect(simulatedDeliveries(second.logs, id)).to.deep.equal(['email', 'sms']);
    expect(await outboxKeys(top.dataDir, 'email')).to.deep.equal([`${id}:email`]);
    expect(await outboxKeys(top.dataDir, 'sms')).to.deep.equal([`${id}:sms`]);
    expect(await queueDepth(redis.url())).to.deep.equal({ waiting: 0, active: 0, failed: 0 });
  });
});

/**
 * A POST on a connection of its own whose headers the server has taken (it
 * answered `100 Continue`): certainly in flight. The test sends its body,
 * whole or in parts, when it chooses.
 */
async function takenPost(port: number, token: string, body: object): Promise<{ conn: RawConnection; payload: Buffer }> {
  const payload = Buffer.from(JSON.stringify(body));
  const conn = await RawConnection.open(port);
  conn.writeHead([
    'POST /evaluate HTTP/1.1',
    `Host: 127.0.0.1:${port}`,
    `Authorization: Bearer ${token}`,
    'Content-Type: application/json',
    `Content-Length: ${payload.length}`,
    'Expect: 100-continue',
    'Connection: close',
  ]);
  await conn.waitForPrefix('HTTP/1.1 100 Continue\r\n\r\n');
  return { conn, payload };
}

function tryConnect(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}

describe('topology: SIGTERM drains the API process', function () {
  this.timeout(40_000);
  const redis = useRedis();
  const topology = useTopology(() => redis.url());

  it('answers every request in flight in full (one whose body is still arriving included), refuses new connections, and exits 0 within 10 s', async () => {
    const top = topology();
    const api = await top.api();
    const token = top.token();
    const slow = await takenPost(api.port, token, { patient_id: uniquePatientId(), age: 70, chronic_pain: true });
    const half = Math.floor(slow.payload.length / 2);
    slow.conn.write(slow.payload.subarray(0, half));
    const burstPatients = Array.from({ length: 20 }, () => uniquePatientId());
    const burst = await Promise.all(burstPatients.map((patient_id) => takenPost(api.port, token, { patient_id, age: 40, bmi: 31 })));
    for (const post of burst) post.conn.write(post.payload);
    const burstAnswers = burst.map((post) => post.conn.response(15_000));
    // A client that connected and has said nothing yet (a preconnect, a pooled socket): not in flight, and it must not hold the drain.
    const silent = await RawConnection.open(api.port);

    const signalledAt = Date.now();
    api.signal('SIGTERM');
    await api.waitForLog((l) => l.message === 'draining');
    // The line is written just before the listener closes, and nothing announces the close itself.
    await until(async () => (await tryConnect(api.port)) === 'ECONNREFUSED', 'new connections refused while a request is in flight', 1000);
    slow.conn.write(slow.payload.subarray(half));
    const answers = [await slow.conn.response(15_000), ...(await Promise.all(burstAnswers))];
    const exit = await api.exited;
    const drainMs = Date.now() - signalledAt;

    expect(exit).to.deep.equal({ code: 0, signal: null });
    expect(drainMs, 'SIGTERM to exit').to.be.below(10_000);
    for (const answer of answers) {
      expect(answer.status, answer.body).to.equal(201);
      expect(answer.headers.connection).to.equal('close');
    }
    const answeredIds = answers.map((a) => (JSON.parse(a.body) as { id: string }).id).sort();
    expect(new Set(answeredIds).size).to.equal(21);
    // Every answered request is stored, and nothing else.
    const stored = await Promise.all(burstPatients.map((p) => top.store().listPatientRecommendations(patientKey(p), 10)));
    const storedIds = stored.flatMap((page) => page.items.map((rec) => rec.id));
    expect(storedIds).to.have.length(20);
    expect(answeredIds).to.include.members(storedIds);
    await silent.serverClosed;
    expect(silent.text()).to.equal('');
    expect(api.logs.map((l) => l.message)).to.include('api stopped');
    expect(api.logs.filter((l) => l.level === 'error')).to.deep.equal([]);
  });

  it('gives up on a drain stuck past SHUTDOWN_GRACE_MS: logs why and exits 1', async () => {
    const top = topology();
    const api = await top.api({ SHUTDOWN_GRACE_MS: '1500' });
    // Its body never comes: the drain cannot finish (Node's own requestTimeout is 30 s).
    const stuck = await takenPost(api.port, top.token(), { patient_id: uniquePatientId(), age: 40 });
    try {
      const signalledAt = Date.now();
      api.signal('SIGTERM');
      const exit = await api.exited;
      expect(exit).to.deep.equal({ code: 1, signal: null });
      expect(Date.now() - signalledAt, 'not before the grace period').to.be.at.least(1500);
      const line = api.logs.find((l) => l.message === 'drain did not finish within the grace period; exiting');
      expect(line).to.include({ level: 'error', grace_ms: 1500, signal: 'SIGTERM' });
      expect(api.logs.map((l) => l.message)).to.not.include('api stopped');
    } finally {
      stuck.conn.destroy();
    }
  });
});

describe('topology: SIGTERM drains the worker process', function () {
  this.timeout(30_000);
  const redis = useRedis();
  const topology = useTopology(() => redis.url());

  it('finishes the active job (its patient is notified), then exits 0', async () => {
    const top = topology();
    const [api, worker] = await Promise.all([top.api(), top.worker({ NOTIFY_DELAY_MS: '1000' })]);
    const created = await evaluate(top, api, { patient_id: uniquePatientId(), age: 30, recent_surgery: true });
    const id = created.body.id as string;
    await workerIsInside(top, id);

    worker.signal('SIGTERM');
    expect(await worker.exited).to.deep.equal({ code: 0, signal: null });

    const messages = worker.logs.filter((l) => l.recommendation_id === id || l.message === 'draining' || l.message === 'worker stopped');
    expect(messages.map((l) => l.message)).to.deep.equal([
      'draining',
      'patient notified (simulated)',
      'patient notified (simulated)',
      'recommendation event processed',
      'worker stopped',
    ]);
    expectNotifiedOnEveryChannel((await readRecommendation(top, api, id)).body.notifications);
    expect(await reportOf(top, api)).to.deep.include({ total: 1, by_code: { POST_OP_REHABILITATION_PLAN: 1 } });
    expect(await queueDepth(redis.url())).to.deep.equal({ waiting: 0, active: 0, failed: 0 });
  });
});
