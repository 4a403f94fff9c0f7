import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { eventFor } from '../core/recommendation.js';
import type { RecommendationStore } from '../core/store/store.js';
import { openSqliteStore, SQLITE_FILE_NAME } from '../core/store/store-sqlite.js';
import { aRecommendation } from './helpers/fixtures.js';

/** Bigger than a bounded WAL (1000 pages, 4 MB, between checkpoints) gets; far smaller than these commits write. */
const WAL_BOUND_BYTES = 8 * 1024 * 1024;

describe('SQLite store write-ahead log', () => {
  let dataDir: string;
  let writer: RecommendationStore;
  let reader: RecommendationStore;
  const walBytes = () => statSync(path.join(dataDir, `${SQLITE_FILE_NAME}-wal`)).size;

  beforeEach(() => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'store-wal-'));
    writer = openSqliteStore({ dataDir });
    // Like the HTTP thread's connection: reads between the writer's commits.
    reader = openSqliteStore({ dataDir });
  });
  afterEach(async () => {
    await reader.close();
    await writer.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('stays bounded while the writer commits without pause and another connection reads', async () => {
    let largest = 0;
    // One commit each: about 3000 commits of several pages, some 50 MB of WAL frames in all.
    for (let i = 0; i < 3000; i++) {
      const rec = aRecommendation();
      await writer.createRecommendation(rec, eventFor(rec));
      if (i % 10 === 0) expect(await reader.getRecommendation(rec.id)).to.have.property('id', rec.id);
      largest = Math.max(largest, walBytes());
    }
    expect(largest).to.be.below(WAL_BOUND_BYTES);
  });
});
