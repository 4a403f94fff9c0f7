import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { openSqliteStore } from '../core/store/store-sqlite.js';


describe('SQLite store files', () => {
  it('keeps its database as clinical.db in the data directory', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'store-file-'));
    try {
      const store = openSqliteStore({ dataDir: path.join(dataDir, 'nested') });
      await store.close();
      expect(existsSync(path.join(dataDir, 'nested', 'clinical.db'))).to.equal(true);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('runs in memory for tests', async () => {
    const store = openSqliteStore({ file: ':memory:' });
    await store.ping();
    await store.close();
  });
});
