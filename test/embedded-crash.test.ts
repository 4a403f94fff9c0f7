import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { signToken } from '../core/auth/sign-token.js';
import { PROJECT_ROOT } from '../core/platform/paths.js';
import { openSqliteStore } from '../core/store/store-sqlite.js';
import type { RecommendationStore } from '../core/store/store.js';
import { ALL_SCOPES, TEST_SECRET, uniquePatientId } from './helpers/api-service.js';
import { spawnService, until, type ServiceProcess } from './helpers/processes.js';
import { expectNotifiedOnEveryChannel, outboxKeys, simulatedDeliveries } from './helpers/notifications.js';

/**
 * Embedded mode (no REDIS_URL): the queue lives in memory, so only the outbox
 * survives a crash. An event must stay pending until the worker finished it.
 */
describe('embedded mode: a crash with an event in flight', function () {
  this.timeout(40_000);
  let dataDir: string;
  let store: RecommendationStore;
  const running: ServiceProcess[] = [];
  const token = signToken(
    { secret: TEST_SECRET, algorithm: 'HS256', audience: 'clinical-recommendations' },
    { scopes: ALL_SCOPES, subject: 'crash-test', expiresInSeconds: 300 },
  );

  const start = (notifyDelayMs: number) =>
    spawnService('api', {
      PORT: '0',
      DATA_DIR: dataDir,
      RULES_DIR: path.join(PROJECT_ROOT, 'rules'),
      JWT_SECRET: TEST_SECRET,
      LOG_LEVEL: 'debug',
      NOTIFY_DELAY_MS: String(notifyDelayMs),
    }).then((p) => (running.push(p), p));

  before(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'clinical-crash-'));
  });
  after(async () => {
    for (const p of running) p.signal('SIGKILL');
    await Promise.all(running.map((p) => p.exited));
    await store?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('processes the event after a restart: counted once, the pending notifications delivered once per key, nothing left pending', async () => {
    // Arrange: the worker takes the job and hangs in the (slow) notification.
    const first = await start(60_000);
    const res = await first.http
      .post('/evaluate')
      .set('Authorization', `Bearer ${token}`)
      .send({ patient_id: uniquePatientId(), age: 70, chronic_pain: true });
    expect(res.status).to.equal(201);
    const id = res.body.id as string;
    store = openSqliteStore({ dataDir });
    // No process announces "inside the job", so poll for the pending notifications it writes first.
    await until(async () => (await store.getRecommendation(id))?.notifications.length === 2, 'the worker to start notifying');

    // Act: crash, then start again with a fast notifier.
    first.signal('SIGKILL');
    await first.exited;
    expect(await store.countPendingEvents(), 'event still pending after the crash').to.equal(1);
    const second = await start(0);
    await second.waitForLog((l) => l.message === 'recommendation event processed' && l.recommendation_id === id, 10_000);

    // Assert: the notifications left pending by the crash were delivered by the restart, once per key.
    const rec = await store.getRecommendation(id);
    expectNotifiedOnEveryChannel(rec?.notifications);
    expect(simulatedDeliveries(second.logs, id)).to.deep.equal(['email', 'sms']);
    expect(await outboxKeys(dataDir, 'email')).to.deep.equal([`${id}:email`]);
    expect((await store.reportSummary()).total).to.equal(1);
    await until(async () => (await store.countPendingEvents()) === 0, 'the event to be confirmed');
  });
});
