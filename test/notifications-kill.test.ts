import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { DELIVERY_LOG_FILE } from '../worker/channels/open-channels.js';
import { uniquePatientId } from './helpers/api-service.js';
import { expectNotifiedOnEveryChannel, outboxKeys } from './helpers/notifications.js';
import { evaluate, processed, readRecommendation, type ServiceProcess, type Topology, useTopology } from './helpers/processes.js';
import { distinct, startSmtpServer, type TestSmtpServer } from './helpers/smtp-server.js';
import { useRedis } from './setup/redis.js';

/**
 * Notifications across `kill -9` of a worker process mid-delivery, under the
 * production topology (API and workers as processes, a real Redis, SQLite):
 * every recommendation ends with each channel delivered at least once, and
 * no key delivered twice by the simulated channels. SMTP cannot drop a
 * repeat itself (a message the server took but never confirmed is sent
 * again), so for e-mail the count is of distinct Message-IDs.
 */
const RECOMMENDATIONS = 30;

async function createMany(top: Topology, api: ServiceProcess, n: number): Promise<string[]> {
  const responses = await Promise.all(
    Array.from({ length: n }, () => evaluate(top, api, { patient_id: uniquePatientId(), age: 70, chronic_pain: true })),
  );
  expect(responses.map((r) => r.status)).to.deep.equal(responses.map(() => 201));
  return responses.map((r) => r.body.id as string);
}

/** Each id's "processed" line, from the worker killed (if it got there) or the one that took over. */
async function allProcessed(killed: ServiceProcess, survivor: ServiceProcess, ids: string[]): Promise<void> {
  const doneBy = (p: ServiceProcess, id: string) => p.logs.some((l) => l.message === 'recommendation event processed' && l.recommendation_id === id);
  await Promise.all(ids.filter((id) => !doneBy(killed, id)).map((id) => processed(survivor, id, 60_000)));
}

async function expectEveryoneNotified(top: Topology, api: ServiceProcess, ids: string[]): Promise<void> {
  for (const id of ids) expectNotifiedOnEveryChannel((await readRecommendation(top, api, id)).body.notifications);
}

async function deliveryLogKeys(dataDir: string): Promise<string[]> {
  const text = await readFile(path.join(dataDir, DELIVERY_LOG_FILE), 'utf8');
  return text.trim().split('\n').map((line) => (JSON.parse(line) as { key: string }).key);
}

const sorted = (values: string[]) => [...values].sort();

describe('notifications: a worker process killed with kill -9 mid-delivery', function () {
  this.timeout(120_000);
  const redis = useRedis();
  const topology = useTopology(() => redis.url());
  let smtp: TestSmtpServer | undefined;
  afterEach(async () => {
    await smtp?.close();
    smtp = undefined;
  });

  it('over SMTP: every recommendation ends with its e-mail received (distinct Message-IDs, none missing) and its sms once', async () => {
    const top = topology();
    // A slow mail service: each message waits for its 250, so the kill lands while the server holds some.
    smtp = await startSmtpServer({ answerDelayMs: 300 });
    const server = smtp;
    const env = { SMTP_URL: server.url, NOTIFY_DELAY_MS: '200' };
    const [api, first] = await Promise.all([top.api(), top.worker(env)]);
    const ids = await createMany(top, api, RECOMMENDATIONS);

    await server.until(() => server.holding() > 0 && server.messages.length >= 5, 'messages in flight');
    first.signal('SIGKILL');
    expect(await first.exited).to.deep.equal({ code: null, signal: 'SIGKILL' });
    const deliveredBeforeKill = server.messages.length;
    expect(deliveredBeforeKill, 'killed before all were sent').to.be.below(RECOMMENDATIONS);
    const second = await top.worker(env);
    await allProcessed(first, second, ids);

    await expectEveryoneNotified(top, api, ids);
    expect(distinct(server.messages.map((m) => m.messageId))).to.deep.equal(sorted(ids.map((id) => `<${id}.email@clinical-recommendations>`)));
    expect(server.messages.length, 'at least once').to.be.at.least(RECOMMENDATIONS);
    expect(await outboxKeys(top.dataDir, 'sms')).to.have.members(ids.map((id) => `${id}:sms`)).and.have.length(RECOMMENDATIONS);
    const logged = await deliveryLogKeys(top.dataDir);
    expect(logged, 'the delivery log holds each key once').to.have.length(new Set(logged).size);
  });

  it('with simulated channels and two workers on one DATA_DIR: exactly one delivery per key on each channel', async () => {
    const top = topology();
    const env = { NOTIFY_DELAY_MS: '300' };
    const [api, doomed, survivor] = await Promise.all([top.api(), top.worker(env), top.worker(env)]);
    const ids = await createMany(top, api, RECOMMENDATIONS);

    // Some deliveries done (by either worker), others still in the channels' delay.
    await survivor.waitForLog((l) => l.message === 'patient notified (simulated)', 20_000);
    await doomed.waitForLog((l) => l.message === 'patient notified (simulated)', 20_000);
    doomed.signal('SIGKILL');
    await doomed.exited;
    await allProcessed(doomed, survivor, ids);

    await expectEveryoneNotified(top, api, ids);
    for (const channel of ['email', 'sms']) {
      const keys = await outboxKeys(top.dataDir, channel);
      expect(keys, `${channel}: each key once`).to.have.length(RECOMMENDATIONS);
      expect(keys).to.have.members(ids.map((id) => `${id}:${channel}`));
    }
  });
});
