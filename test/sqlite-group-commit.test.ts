import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { expect } from 'chai';
import { AppError } from '../core/platform/errors.js';
import { createGroupCommit, type GroupCommit } from '../core/store/sqlite-group-commit.js';

/**
 * The group commit on a real SQLite file. A second connection stands for
 * every other reader (another process, a crash-restart): it sees only what
 * was committed.
 */
describe('SQLite group commit', () => {
  let dir: string;
  let db: Database.Database;
  let reader: Database.Database;

  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'group-commit-'));
    const file = path.join(dir, 'test.db');
    db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.exec(`CREATE TABLE item (name TEXT PRIMARY KEY);
      CREATE TABLE parent (id TEXT PRIMARY KEY);
      CREATE TABLE child (id TEXT PRIMARY KEY, parent_id TEXT REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED);
      CREATE TABLE doomed (x TEXT);
      CREATE TRIGGER doomed_rollback BEFORE INSERT ON doomed BEGIN SELECT RAISE(ROLLBACK, 'rolled back by SQLite'); END;`);
    db.pragma('foreign_keys = ON');
    reader = new Database(file, { readonly: true });
  });
  afterEach(() => {
    reader.close();
    if (db.open) db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const insert = (name: string) => () => db.prepare('INSERT INTO item (name) VALUES (?)').run(name).changes;
  const committedItems = (): string[] =>
    reader.prepare<[], { name: string }>('SELECT name FROM item ORDER BY name').all().map((row) => row.name);
  const settled = (promises: Promise<unknown>[]) => Promise.allSettled(promises);

  it('commits the work of one event-loop turn in one transaction, and resolves each with its result after COMMIT', async () => {
    const commit = createGroupCommit(db);
    const seenDuringBatch: string[][] = [];
    const first = commit.run(insert('a'));
    const second = commit.run(() => {
      // Still inside the batch: the first unit is written but not yet committed.
      seenDuringBatch.push(committedItems());
      return insert('b')();
    });
    const committedOnResolve = first.then(committedItems);

    expect(await Promise.all([first, second])).to.deep.equal([1, 1]);
    expect(seenDuringBatch).to.deep.equal([[]]);
    expect(await committedOnResolve).to.deep.equal(['a', 'b']);
  });

  it('runs a read in the next flush, after the writes queued before it, and resolves with what it read', async () => {
    const commit = createGroupCommit(db);
    const count = () => db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM item').get()?.n;
    const before = commit.read(count);
    const written = commit.run(insert('a'));
    const after = commit.read(count);

    expect(await Promise.all([before, written, after])).to.deep.equal([0, 1, 1]);
    expect(committedItems()).to.deep.equal(['a']);
  });

  it('rejects only a read that throws, and still commits the writes of its flush', async () => {
    const commit = createGroupCommit(db);
    const written = commit.run(insert('a'));
    const broken = commit.read(() => db.prepare('SELECT nope FROM item').all());
    const sound = commit.read(() => db.prepare('SELECT name FROM item').all());

    const [w, b, r] = await settled([written, broken, sound]);

    expect(w).to.deep.equal({ status: 'fulfilled', value: 1 });
    expect(b?.status).to.equal('rejected');
    expect(String((b as PromiseRejectedResult).reason)).to.match(/no such column: nope/);
    expect(r).to.deep.equal({ status: 'fulfilled', value: [{ name: 'a' }] });
    expect(committedItems()).to.deep.equal(['a']);
  });

  it('serves a flush of reads alone without the write lock, while another connection holds it', async () => {
    const commit = createGroupCommit(db);
    const other = new Database(path.join(dir, 'test.db'));
    other.exec('BEGIN IMMEDIATE');
    try {
      const started = Date.now();
      const names = await commit.read(() => db.prepare('SELECT name FROM item').all());
      expect(names).to.deep.equal([]);
      // A flush that took the write lock would wait out busy_timeout (5 s), then fail.
      expect(Date.now() - started).to.be.below(1000);
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
  });

  it('rolls back only the unit that throws, rejects only its promise, and commits its batch-mates', async () => {
    const commit = createGroupCommit(db);
    const failure = new Error('this unit fails after writing');
    const results = await settled([
      commit.run(insert('a')),
      commit.run(() => {
        insert('half-done')();
        throw failure;
      }),
      commit.run(insert('a')), // primary key violation: SQLite's own error
      commit.run(insert('c')),
    ]);

    expect(results.map((r) => r.status)).to.deep.equal(['fulfilled', 'rejected', 'rejected', 'fulfilled']);
    expect(results[1]).to.deep.equal({ status: 'rejected', reason: failure });
    expect(String((results[2] as PromiseRejectedResult).reason)).to.match(/UNIQUE constraint failed/);
    expect(committedItems()).to.deep.equal(['a', 'c']);
  });

  it('rejects only the unit whose writes fail at COMMIT, and commits its batch-mates', async () => {
    const commit = createGroupCommit(db);
    // A deferred foreign key is only checked at COMMIT: the units succeed, the COMMIT does not.
    const results = await settled([
      commit.run(insert('a')),
      commit.run(() => db.prepare("INSERT INTO child (id, parent_id) VALUES ('c1', 'no-such-parent')").run()),
      commit.run(insert('b')),
    ]);

    expect(results.map((r) => r.status)).to.deep.equal(['fulfilled', 'rejected', 'fulfilled']);
    expect(String((results[1] as PromiseRejectedResult).reason)).to.match(/FOREIGN KEY constraint failed/);
    expect(committedItems()).to.deep.equal(['a', 'b']);
    expect(reader.prepare('SELECT COUNT(*) AS n FROM child').get()).to.deep.equal({ n: 0 });
    expect(db.inTransaction).to.equal(false);
  });

  it('when SQLite itself rolls the whole transaction back, rejects the unit that caused it and commits the others', async () => {
    const commit = createGroupCommit(db);
    // RAISE(ROLLBACK) ends the whole transaction, as a full disk or an I/O error may.
    const results = await settled([
      commit.run(insert('a')),
      commit.run(() => db.prepare("INSERT INTO doomed (x) VALUES ('x')").run()),
      commit.run(insert('c')),
    ]);

    expect(results.map((r) => r.status)).to.deep.equal(['fulfilled', 'rejected', 'fulfilled']);
    expect(String((results[1] as PromiseRejectedResult).reason)).to.match(/rolled back by SQLite/);
    expect(committedItems()).to.deep.equal(['a', 'c']);
    expect(await commit.run(insert('after'))).to.equal(1);
  });

  it('runs each unit once when its batch commits, and again alone only when a batch-mate failed', async () => {
    const commit = createGroupCommit(db);
    const runs = { a: 0, b: 0, c: 0, d: 0 };
    const counted = (name: keyof typeof runs) => () => {
      runs[name] += 1;
      return insert(name)();
    };

    await Promise.all([commit.run(counted('a')), commit.run(counted('b'))]);
    expect(runs).to.deep.include({ a: 1, b: 1 });

    await settled([commit.run(counted('c')), commit.run(insert('a')), commit.run(counted('d'))]);
    // c ran in the failed batch and again alone; the batch stopped before d.
    expect(runs).to.deep.include({ c: 2, d: 1 });
    expect(committedItems()).to.deep.equal(['a', 'b', 'c', 'd']);
  });

  /** A second connection that holds the write lock, as another process or the checkpointer's RESTART does. */
  const lockHolder = () => {
    const holder = new Database(path.join(dir, 'test.db'));
    return {
      take: () => holder.prepare('BEGIN IMMEDIATE').run(),
      release: () => holder.prepare('ROLLBACK').run(),
      close: () => holder.close(),
    };
  };
  const ticksDuring = async <T>(promise: Promise<T>) => {
    let ticks = 0;
    const ticker = setInterval(() => (ticks += 1), 2);
    try {
      return { value: await promise, ticks };
    } finally {
      clearInterval(ticker);
    }
  };

  it('waits for a write lock another connection holds without blocking the thread, then commits what queued meanwhile', async () => {
    const holder = lockHolder();
    holder.take();
    const commit = createGroupCommit(db);
    try {
      const first = commit.run(insert('a'));
      setTimeout(() => void commit.run(insert('b')), 20);
      setTimeout(() => holder.release(), 60);
      // SQLite's busy handler would sleep this thread until the lock is free, and the timer that frees it could never fire.
      const { value, ticks } = await ticksDuring(Promise.all([first, commit.run(insert('c'))]));

      expect(value).to.deep.equal([1, 1]);
      expect(ticks, 'timers kept firing while the flush waited').to.be.at.least(10);
      expect(committedItems()).to.deep.equal(['a', 'b', 'c']);
    } finally {
      holder.close();
    }
  });

  it('rejects a whole batch at once when the write lock stays taken past lockWaitMs, instead of waiting again for each unit', async () => {
    const holder = lockHolder();
    holder.take();
    const commit = createGroupCommit(db, { lockWaitMs: 100 });
    try {
      const startedAt = Date.now();
      const { value: results, ticks } = await ticksDuring(settled(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].map((name) => commit.run(insert(name)))));

      expect(results.map((r) => r.status)).to.deep.equal(Array(8).fill('rejected'));
      expect(String((results[0] as PromiseRejectedResult).reason)).to.match(/database is locked/);
      const waited = Date.now() - startedAt;
      expect(waited, 'waited out lockWaitMs').to.be.at.least(100);
      expect(waited, 'one wait for the lock, not one per unit').to.be.below(500);
      expect(ticks).to.be.at.least(20);
    } finally {
      holder.release();
      holder.close();
    }
    expect(await commit.run(insert('after'))).to.equal(1);
  });

  it('when the lock is taken while a failed batch settles unit by unit, the units left wait for it and then commit', async () => {
    const holder = lockHolder();
    const commit = createGroupCommit(db);
    let readRuns = 0;
    try {
      const results = await settled([
        commit.run(insert('a')),
        commit.run(insert('a')), // fails: the batch stops here, and is settled unit by unit
        commit.read(() => {
          readRuns += 1;
          // Run alone, this read holds no write lock, so another connection can take it now.
          holder.take();
          setTimeout(() => holder.release(), 40);
          return readRuns;
        }),
        commit.run(insert('b')),
      ]);

      expect(results.map((r) => r.status)).to.deep.equal(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
      expect(readRuns).to.equal(1);
      expect(committedItems()).to.deep.equal(['a', 'b']);
    } finally {
      holder.close();
    }
  });

  it('on close, gives a unit still waiting for the lock one last blocking wait, then rejects it', async () => {
    const holder = lockHolder();
    holder.take();
    const commit = createGroupCommit(db, { lockWaitMs: 100 });
    try {
      const waiting = settled([commit.run(insert('a'))]);
      await new Promise((resolve) => setTimeout(resolve, 20));
      const startedAt = Date.now();
      commit.close();
      expect(Date.now() - startedAt).to.be.at.least(90);

      const [result] = await waiting;
      expect(result?.status).to.equal('rejected');
      expect(String((result as PromiseRejectedResult).reason)).to.match(/database is locked/);
    } finally {
      holder.release();
      holder.close();
    }
    expect(committedItems()).to.deep.equal([]);
  });

  it('splits a burst beyond the batch cap over several transactions', async () => {
    const commit = createGroupCommit(db, { maxBatch: 2 });
    const committedBefore: string[][] = [];
    const units = ['a', 'b', 'c', 'd', 'e'].map((name) =>
      commit.run(() => {
        committedBefore.push(committedItems());
        return insert(name)();
      }),
    );

    await Promise.all(units);
    expect(committedBefore).to.deep.equal([[], [], ['a', 'b'], ['a', 'b'], ['a', 'b', 'c', 'd']]);
  });

  it('on close, commits everything still queued at once and rejects later work', async () => {
    const commit: GroupCommit = createGroupCommit(db, { maxBatch: 2 });
    const queued = ['a', 'b', 'c'].map((name) => commit.run(insert(name)));

    commit.close();

    expect(committedItems()).to.deep.equal(['a', 'b', 'c']);
    expect(await Promise.all(queued)).to.deep.equal([1, 1, 1]);
    const late = await settled([commit.run(insert('late'))]);
    expect(late[0]?.status).to.equal('rejected');
    expect((late[0] as PromiseRejectedResult).reason).to.be.instanceOf(AppError).with.property('code', 'UNAVAILABLE');
    expect(committedItems()).to.deep.equal(['a', 'b', 'c']);
  });
});
