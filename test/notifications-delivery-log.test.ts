import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { MAX_REMEMBERED_KEYS, openDeliveryLog } from '../worker/delivery-log.js';

describe('notifications: the delivery log (a JSON-lines file of keys)', () => {
  let dir: string;
  let file: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'delivery-log-'));
    file = path.join(dir, 'deliveries.jsonl');
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const keysInFile = async () => (await readFile(file, 'utf8')).split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { key: string }).key);

  it('appends a key once and ignores it after, however often and however concurrently it comes', async () => {
    const log = await openDeliveryLog(file);
    const results = await Promise.all(Array.from({ length: 10 }, () => log.append({ key: 'r1:email', at: '2026-01-01T00:00:00.000Z' })));
    await log.append({ key: 'r1:sms', at: '2026-01-01T00:00:01.000Z' });
    await log.close();

    expect(results.filter(Boolean)).to.have.length(1);
    expect(await keysInFile()).to.deep.equal(['r1:email', 'r1:sms']);
  });

  it('holds only the newest keys in memory, also when read back from the file, so it stays small', async () => {
    const keys = Array.from({ length: MAX_REMEMBERED_KEYS + 5 }, (_, i) => `r${i}:email`);
    await appendFile(file, keys.map((key) => `${JSON.stringify({ key, at: '2026-01-01T00:00:00.000Z' })}\n`).join(''));
    const log = await openDeliveryLog(file);
    await log.append({ key: 'new:email', at: '2026-01-01T00:00:01.000Z' });

    expect(await log.find(keys[0] as string)).to.equal(undefined);
    expect(await log.find(keys[5] as string)).to.equal(undefined);
    expect(await log.find(keys[6] as string)).to.equal('2026-01-01T00:00:00.000Z');
    expect(await log.find('new:email')).to.equal('2026-01-01T00:00:01.000Z');
    await log.close();
  });

  it('writes every key of a concurrent burst, each once', async () => {
    const log = await openDeliveryLog(file);
    const keys = Array.from({ length: 200 }, (_, i) => `r${i}:sms`);
    const results = await Promise.all([...keys, ...keys].map((key) => log.append({ key, at: '2026-01-01T00:00:00.000Z' })));
    await log.close();

    expect(results.filter(Boolean)).to.have.length(200);
    expect(await keysInFile()).to.deep.equal(keys);
  });

  it('knows the keys of an earlier run, with their times', async () => {
    const before = await openDeliveryLog(file);
    await before.append({ key: 'r1:email', at: '2026-01-01T00:00:00.000Z' });
    await before.close();

    const after = await openDeliveryLog(file);
    expect(await after.find('r1:email')).to.equal('2026-01-01T00:00:00.000Z');
    expect(await after.find('r2:email')).to.equal(undefined);
    expect(await after.append({ key: 'r1:email', at: '2026-01-02T00:00:00.000Z' })).to.equal(false);
    await after.close();
    expect(await keysInFile()).to.deep.equal(['r1:email']);
  });

  it('shared, sees what another process appended to the same file since it opened', async () => {
    const mine = await openDeliveryLog(file, { shared: true });
    const theirs = await openDeliveryLog(file, { shared: true });

    await theirs.append({ key: 'r1:email', at: '2026-01-01T00:00:00.000Z' });

    expect(await mine.find('r1:email')).to.equal('2026-01-01T00:00:00.000Z');
    expect(await mine.append({ key: 'r1:email', at: '2026-01-01T00:00:05.000Z' })).to.equal(false);
    await Promise.all([mine.close(), theirs.close()]);
    expect(await keysInFile()).to.deep.equal(['r1:email']);
  });

  it('ends a line cut short before appending, and skips it', async () => {
    await appendFile(file, '{"key":"r1:email","at":"2026-01-01T00:00:00.000Z"}\n{"key":"r2:em');

    const log = await openDeliveryLog(file);
    expect(await log.find('r1:email')).to.be.a('string');
    expect(await log.append({ key: 'r2:email', at: '2026-01-01T00:00:01.000Z' })).to.equal(true);
    await log.close();

    const lines = (await readFile(file, 'utf8')).split('\n');
    expect(lines).to.deep.equal(['{"key":"r1:email","at":"2026-01-01T00:00:00.000Z"}', '{"key":"r2:em', '{"key":"r2:email","at":"2026-01-01T00:00:01.000Z"}', '']);
  });

  it('rejects an append whose write fails and forgets its key, so that a retry is not taken for a repeat', async () => {
    const log = await openDeliveryLog(file);
    await log.close(); // Its file handle is gone: the write fails.

    const err = await log.append({ key: 'r1:email', at: '2026-01-01T00:00:00.000Z' }).then(() => undefined, (e: unknown) => e);
    expect(err).to.be.instanceOf(Error);
    expect(await log.find('r1:email')).to.equal(undefined);
  });
});
