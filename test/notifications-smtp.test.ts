import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { expect } from 'chai';
import { createLruCache } from '../core/cache/cache-lru.js';
import { eventFor } from '../core/domain/recommendation.js';
import { createLogger, silentLogger } from '../core/platform/logger.js';
import { openSqliteStore } from '../core/store/store-sqlite.js';
import type { RecommendationStore } from '../core/store/store.js';
import { messageIdFor, smtpEmail } from '../worker/channels/smtp-email.js';
import type { NotificationChannel } from '../worker/channels/channel.js';
import { openDeliveryLog, type DeliveryLog } from '../worker/delivery-log.js';
import { processRecommendationEvent } from '../worker/process-event.js';
import { aRecommendation } from './helpers/fixtures.js';
import { distinct, startSmtpServer, type TestSmtpServer } from './helpers/smtp-server.js';

describe('notifications: e-mail over SMTP (a real smtp-server)', () => {
  let smtp: TestSmtpServer;
  let channel: NotificationChannel;
  let store: RecommendationStore;
  let dir: string;
  let deliveryLog: DeliveryLog;

  beforeEach(async () => {
    store = openSqliteStore({ file: ':memory:' });
    dir = await mkdtemp(path.join(os.tmpdir(), 'notify-smtp-'));
    deliveryLog = await openDeliveryLog(path.join(dir, 'deliveries.jsonl'));
  });
  afterEach(async () => {
    await channel?.close();
    await smtp?.close();
    await store.close();
    await deliveryLog.close();
    await rm(dir, { recursive: true, force: true });
  });

  const process = (rec: ReturnType<typeof aRecommendation>) =>
    processRecommendationEvent(
      { store, cache: createLruCache({ ttlSeconds: 60 }), channels: [channel], deliveryLog, logger: silentLogger },
      eventFor(rec),
    );

  it('sends one message per recommendation, its Message-ID built from the key, and records it sent', async () => {
    smtp = await startSmtpServer();
    channel = smtpEmail(smtp.url, silentLogger);
    const recs = Array.from({ length: 5 }, () => aRecommendation({ patient_id: 'pat-1' }));
    for (const rec of recs) await store.createRecommendation(rec, eventFor(rec));

    await Promise.all(recs.map(process));
    await Promise.all(recs.map(process));

    expect(smtp.messages).to.have.length(5);
    expect(distinct(smtp.messages.map((m) => m.messageId))).to.deep.equal(recs.map((r) => `<${r.id}.email@clinical-recommendations>`).sort());
    expect(distinct(smtp.messages.map((m) => m.idempotencyKey))).to.deep.equal(recs.map((r) => `${r.id}:email`).sort());
    const [first] = smtp.messages;
    expect(first?.to).to.deep.equal(['patient-pat-1@patients.invalid']);
    expect(first?.raw).to.include('Physical Therapy');
    for (const rec of recs) {
      const [email] = (await store.getRecommendation(rec.id))?.notifications ?? [];
      expect(email).to.include({ channel: 'email', status: 'sent' });
    }
  });

  it('leaves a message the server has not confirmed failed, and the retry sends it with the same Message-ID', async () => {
    smtp = await startSmtpServer({ rejectRecipient: { code: 451, message: 'try again later' } });
    channel = smtpEmail(smtp.url, silentLogger);
    const rec = aRecommendation();
    await store.createRecommendation(rec, eventFor(rec));

    const error = await process(rec).then(() => undefined, (err: unknown) => err);

    expect(error).to.be.instanceOf(Error);
    expect((error as Error).message).to.match(/^SMTP delivery failed/).and.not.include(String(rec.patient_id));
    expect((await store.getRecommendation(rec.id))?.notifications).to.deep.equal([{ channel: 'email', status: 'failed', sent_at: null }]);

    await channel.close();
    await smtp.close();
    smtp = await startSmtpServer();
    channel = smtpEmail(smtp.url, silentLogger);
    await process(rec);

    expect(smtp.messages.map((m) => m.messageId)).to.deep.equal([messageIdFor(`${rec.id}:email`)]);
    expect((await store.getRecommendation(rec.id))?.notifications?.[0]?.status).to.equal('sent');
  });

  it('keeps the patient out of its log lines', async () => {
    smtp = await startSmtpServer();
    const lines: string[] = [];
    const stream = new Writable({ write: (chunk: Buffer, _encoding, done) => (lines.push(chunk.toString('utf8')), done()) });
    const logger = createLogger('debug', { service: 'test', stream });
    channel = smtpEmail(smtp.url, logger);
    const rec = aRecommendation({ patient_id: 'secret-patient-4711' });
    await store.createRecommendation(rec, eventFor(rec));

    await process(rec);

    expect(smtp.messages).to.have.length(1);
    expect(lines.join('\n')).to.include(rec.id).and.not.include('secret-patient-4711').and.not.include('Physical Therapy');
  });
});
