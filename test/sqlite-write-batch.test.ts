import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { expect } from 'chai';
import { createWriteBatch } from '../core/store/sqlite-write-batch.js';

describe('SQLite write batch: the writes of one event-loop turn share one transaction', () => {
  let dir: string;
  let db: Database.Database;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'write-batch-'));
    db = new Database(path.join(dir, 'batch.db'));
    db.pragma('journal_mode = WAL');
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)');
  });
  afterEach(async () => {
    db.close();
    await rm(dir, { recursive: true, force: true });
  });

  const insert = (id: number, v: string | null) => () => db.prepare('INSERT INTO t (id, v) VALUES (?, ?)').run(id, v).changes;
  const ids = () => (db.prepare('SELECT id FROM t ORDER BY id').all() as Array<{ id: number }>).map((r) => r.id);

  it('commits the writes issued in one turn with one COMMIT, each resolving with what it returned', async () => {
    const commits: number[] = [];
    const batch = createWriteBatch(db, (writes) => commits.push(writes));

    const results = await Promise.all([batch.run(insert(1, 'a')), batch.run(insert(2, 'b')), batch.run(insert(3, 'c'))]);
    await batch.run(insert(4, 'd'));

    expect(results).to.deep.equal([1, 1, 1]);
    expect(commits).to.deep.equal([3, 1]);
    expect(ids()).to.deep.equal([1, 2, 3, 4]);
  });

  it('rolls back and rejects only the write that throws; the others of its turn commit', async () => {
    const batch = createWriteBatch(db);

    const outcomes = await Promise.allSettled([batch.run(insert(1, 'a')), batch.run(insert(2, null)), batch.run(insert(3, 'c'))]);

    expect(outcomes.map((o) => o.status)).to.deep.equal(['fulfilled', 'rejected', 'fulfilled']);
    expect(String((outcomes[1] as PromiseRejectedResult).reason)).to.match(/NOT NULL/);
    expect(ids()).to.deep.equal([1, 3]);
  });

  it('rejects every write of the turn when the transaction cannot begin (another process holds the lock)', async () => {
    db.pragma('busy_timeout = 50');
    const other = new Database(path.join(dir, 'batch.db'));
    other.exec('BEGIN IMMEDIATE');
    const batch = createWriteBatch(db);

    const outcomes = await Promise.allSettled([batch.run(insert(1, 'a')), batch.run(insert(2, 'b'))]);
    other.exec('ROLLBACK');
    other.close();

    expect(outcomes.map((o) => o.status)).to.deep.equal(['rejected', 'rejected']);
    expect(String((outcomes[0] as PromiseRejectedResult).reason)).to.match(/locked|busy/i);
    expect(ids()).to.deep.equal([]);
  });

  it('commits what is queued when flushed before the connection closes', async () => {
    const batch = createWriteBatch(db);
    const pending = batch.run(insert(1, 'a'));
    batch.flush();

    expect(ids()).to.deep.equal([1]);
    expect(await pending).to.equal(1);
  });
});
