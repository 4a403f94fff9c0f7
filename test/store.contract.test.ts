import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MongoClient } from 'mongodb';
import { openMongoStore } from '../core/store/store-mongo.js';
import { openSqliteStore } from '../core/store/store-sqlite.js';
import { storeContract } from './helpers/store-contract/contract.js';

// The contract itself is in test/helpers/store-contract/; this file only picks the adapters.

storeContract('SQLite', async () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'store-contract-'));
  return {
    open: async () => openSqliteStore({ dataDir }),
    dispose: async () => rmSync(dataDir, { recursive: true, force: true }),
  };
});

const mongoUri = process.env.MONGODB_URI;
if (mongoUri) {
  storeContract('MongoDB', async () => {
    const dbName = `store_contract_${randomUUID().replaceAll('-', '')}`;
    return {
      open: () => openMongoStore(mongoUri, { dbName }),
      async dispose() {
        const client = await MongoClient.connect(mongoUri);
        try {
          await client.db(dbName).dropDatabase();
        } finally {
          await client.close();
        }
      },
    };
  });
} else {
  describe('MongoDB store contract', () => {
    process.stderr.write(
      '\nMongoDB store contract suite skipped: set MONGODB_URI to a replica set, or run docker compose --profile test run --rm test\n',
    );
    it.skip('runs the store contract against MongoDB');
  });
}
