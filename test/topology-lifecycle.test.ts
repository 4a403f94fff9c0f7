import http from 'node:http';
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
import { useRedis } from './setup/redis.js';

/**
 * Process lifecycle under the production topology: a worker that dies
 * mid-job, and SIGTERM draining of both processes.
 */
const count = (p: ServiceProcess, message: string, id: string) =>
  p.logs.filter((l) => l.message === message && l.recommendation_id === id).length;

/** The worker logs nothing between taking a job and delivering: the notification record (written first) is the sign. */
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

  it('leaves the job to a new worker process: one notification, one audit, counted once', async () => {
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
    expect(read.body.notifications).to.have.length(1);
    expect(read.body.notifications[0]).to.include({ channel: 'email', status: 'sent' });
    expect(await top.store().getAudit(id)).to.include({ recommendationId: id });
    expect(await reportOf(top, api)).to.deep.include({ total: 1, by_code: { PHYSICAL_THERAPY: 1 } });
    // The record is written before delivery, so the retry never delivers again.
    expect(count(first, 'patient notified (simulated)', id) + count(second, 'patient notified (simulated)', id)).to.be.at.most(1);
    expect(await queueDepth(redis.url())).to.deep.equal({ waiting: 0, active: 0, failed: 0 });
  });
});

interface RawResult {
  status?: number;
  body?: { id?: string };
  error?: string;
}

/** One POST on a connection of its own, so each request is accepted (or refused) on its own. */
function rawPost(port: number, token: string, body: object): Promise<RawResult> {
  const payload = JSON.stringify(body);
  return new Promise((resolve) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/evaluate',
        agent: false,
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode, body: JSON.parse(text) as { id?: string } }));
        res.on('error', (err) => resolve({ status: res.statusCode, error: `truncated response: ${err.message}` }));
      },
    );
    req.on('error', (err: NodeJS.ErrnoException) => resolve({ error: err.code ?? err.message }));
    req.end(payload);
  });
}

/**
 * A POST whose headers the server has taken (it answered `100 Continue`)
 * and whose body is held back until `finish()`: a request that is
 * certainly in flight when the signal arrives.
 */
async function heldPost(port: number, token: string, body: object): Promise<{ finish(): Promise<RawResult> }> {
  const payload = JSON.stringify(body);
  const socket = net.connect(port, '127.0.0.1');
  let received = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => (received += chunk));
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.write(
    [
      'POST /evaluate HTTP/1.1',
      `Host: 127.0.0.1:${port}`,
      `Authorization: Bearer ${token}`,
      'Content-Type: application/json',
      `Content-Length: ${Buffer.byteLength(payload)}`,
      'Expect: 100-continue',
      'Connection: close',
      '',
      '',
    ].join('\r\n'),
  );
  await new Promise<void>((resolve, reject) => {
    const check = () => {
      if (received.startsWith('HTTP/1.1 100 Continue\r\n\r\n')) resolve();
    };
    socket.on('data', check);
    socket.once('close', () => reject(new Error(`connection closed before 100 Continue: ${received}`)));
  });
  return {
    async finish() {
      socket.write(payload);
      await closed;
      const final = received.slice('HTTP/1.1 100 Continue\r\n\r\n'.length);
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(final)?.[1]);
      const [, text = ''] = final.split('\r\n\r\n');
      return { status, body: JSON.parse(text) as { id?: string } };
    },
  };
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
  this.timeout(30_000);
  const redis = useRedis();
  const topology = useTopology(() => redis.url());

  it('answers the requests in flight in full, refuses new connections, and exits 0', async () => {
    const top = topology();
    const api = await top.api();
    const token = top.token();
    const held = await heldPost(api.port, token, { patient_id: uniquePatientId(), age: 70, chronic_pain: true });
    const burstPatients = Array.from({ length: 30 }, () => uniquePatientId());
    const burst = burstPatients.map((patient_id) => rawPost(api.port, token, { patient_id, age: 40, bmi: 31 }));

    api.signal('SIGTERM');
    await api.waitForLog((l) => l.message === 'draining');
    // The line is written just before the listener closes, and nothing announces the close itself.
    await until(async () => (await tryConnect(api.port)) === 'ECONNREFUSED', 'new connections refused while a request is in flight', 1000);
    const heldResult = await held.finish();
    const results = await Promise.all(burst);
    expect(await api.exited).to.deep.equal({ code: 0, signal: null });

    expect(heldResult.status).to.equal(201);
    expect(heldResult.body?.id).to.be.a('string');
    // Each burst request was either answered in full or never taken (refused, or reset before any response).
    for (const r of results) {
      if (r.status !== undefined) expect(r, 'a response').to.deep.include({ status: 201 }).and.not.have.property('error');
      else expect(r.error).to.be.oneOf(['ECONNREFUSED', 'ECONNRESET']);
    }
    // Nothing was stored without its response: the store holds exactly the answered burst requests.
    const stored = await Promise.all(burstPatients.map((p) => top.store().listPatientRecommendations(patientKey(p), 10)));
    const storedIds = stored.flatMap((page) => page.items.map((rec) => rec.id)).sort();
    const answeredIds = results.flatMap((r) => (r.body?.id ? [r.body.id] : [])).sort();
    expect(storedIds).to.deep.equal(answeredIds);
    expect(api.logs.map((l) => l.message)).to.include('api stopped');
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
      'recommendation event processed',
      'worker stopped',
    ]);
    expect((await readRecommendation(top, api, id)).body.notifications).to.have.length(1);
    expect(await reportOf(top, api)).to.deep.include({ total: 1, by_code: { POST_OP_REHABILITATION_PLAN: 1 } });
    expect(await queueDepth(redis.url())).to.deep.equal({ waiting: 0, active: 0, failed: 0 });
  });
});
