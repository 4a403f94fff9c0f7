import { closeSync, mkdtempSync, openSync, readSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { expect } from 'chai';
import { startCheckpointer } from '../core/store/sqlite-checkpointer.js';

/** The WAL header's checkpoint sequence number, which grows by one each time the WAL starts over. */
function walStarts(walFile: string): number {
  const header = Buffer.alloc(16);
  const fd = openSync(walFile, 'r');
  try {
    readSync(fd, header, 0, 16, 0);
  } finally {
    closeSync(fd);
  }
  return header.readUInt32BE(12);
}

/** The writer never checkpoints (wal_autocheckpoint 0): only the checkpointer moves pages into the database file. */
describe('SQLite checkpointer thread', () => {
  let dir: string;
  let file: string;
  let writer: Database.Database;

  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'checkpointer-'));
    file = path.join(dir, 'test.db');
    writer = new Database(file);
    writer.pragma('journal_mode = WAL');
    writer.pragma('wal_autocheckpoint = 0');
    // As the store's: a RESTART pass makes the writer wait, not fail.
    writer.pragma('busy_timeout = 5000');
    writer.exec('CREATE TABLE item (id INTEGER PRIMARY KEY, body TEXT NOT NULL)');
  });
  afterEach(() => {
    if (writer.open) writer.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const fill = (rows: number) => {
    const insert = writer.prepare('INSERT INTO item (body) VALUES (?)');
    writer.transaction(() => {
      for (let i = 0; i < rows; i++) insert.run('x'.repeat(500));
    })();
  };
  const databaseBytes = () => statSync(file).size;
  const until = async (holds: () => boolean, timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    while (!holds() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    return holds();
  };

  it('copies committed pages into the database file within its interval, while the writer goes on', async () => {
    const checkpointer = startCheckpointer(file, { intervalMs: 50 });
    try {
      const before = databaseBytes();
      fill(2000);
      expect(databaseBytes(), 'committed pages wait in the WAL').to.equal(before);

      expect(await until(() => databaseBytes() > before + 500_000, 2000), 'the checkpointer moved the pages').to.equal(true);
      fill(10);
    } finally {
      await checkpointer.close();
    }
  });

  it('keeps the WAL bounded, starting it over again and again, while the writer commits steadily', async () => {
    const checkpointer = startCheckpointer(file, { intervalMs: 20, restartFrames: 200 });
    const walBytes = () => statSync(`${file}-wal`).size;
    const startsBefore = walStarts(`${file}-wal`);
    let largest = 0;
    try {
      // 5000 commits of a few pages each: 54 MB of WAL frames if the WAL never started over.
      // Like the store's group commit, the writer lets go of the lock between
      // bursts of commits: a writer that never does leaves every RESTART
      // attempt busy, and the WAL's size to the speed of the disk.
      for (let i = 0; i < 1000; i++) {
        for (let j = 0; j < 5; j++) fill(5);
        largest = Math.max(largest, walBytes());
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
    } finally {
      await checkpointer.close();
    }
    // Here it started over 36-39 times and peaked at 3-4 MB, or 8-21 times and
    // 11-14 MB beside a concurrent fsync-heavy load; without restarts, never and 54 MB.
    expect(walStarts(`${file}-wal`) - startsBefore, 'times the WAL started over').to.be.at.least(3);
    expect(largest).to.be.below(27 * 1024 * 1024);
  });

  it('does not hold the writer off while a long reader keeps the WAL from restarting', async () => {
    // As the store's writer: no fsync per commit, so only lock waits show in its time.
    writer.pragma('synchronous = NORMAL');
    const reader = new Database(file);
    reader.exec('BEGIN');
    reader.prepare('SELECT COUNT(*) FROM item').get(); // a read snapshot, held until COMMIT
    const checkpointer = startCheckpointer(file, { intervalMs: 20, restartFrames: 50 });
    let slowest = 0;
    try {
      const until = Date.now() + 600;
      while (Date.now() < until) {
        const started = performance.now();
        fill(20);
        slowest = Math.max(slowest, performance.now() - started);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    } finally {
      reader.exec('COMMIT');
      reader.close();
      await checkpointer.close();
    }
    // A RESTART that finds the reader returns at once and lets go of the write
    // lock, and retries for a while. Here the slowest commit took 1-2 ms (up to
    // 10 ms beside an fsync-heavy load); when RESTART waited in SQLite's busy
    // handler instead, holding the lock, 105 ms.
    expect(slowest).to.be.below(80);
  });

  it('runs a last checkpoint when closed, and then ends its thread', async () => {
    const checkpointer = startCheckpointer(file, { intervalMs: 60_000 });
    const before = databaseBytes();
    fill(2000);

    await checkpointer.close();

    expect(databaseBytes()).to.be.above(before + 500_000);
  });

  it('reports, and survives, a file it cannot open', async () => {
    const errors: string[] = [];
    const checkpointer = startCheckpointer(path.join(dir, 'missing', 'nowhere.db'), { intervalMs: 50, onError: (message) => errors.push(message) });

    expect(await until(() => errors.length > 0, 2000)).to.equal(true);
    await checkpointer.close();
    expect(errors[0]).to.match(/directory does not exist|unable to open/);
  });
});
