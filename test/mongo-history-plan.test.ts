import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { MongoClient } from 'mongodb';
import { v7 as uuidv7 } from 'uuid';
import { eventFor, patientKey } from '../core/domain/recommendation.js';
import type { RecommendationDoc } from '../core/store/mongo-collections.js';
import { historyQuery } from '../core/store/mongo-report.js';
import type { RecommendationStore } from '../core/store/store.js';
import { openMongoStore } from '../core/store/store-mongo.js';
import { aRecommendation } from './helpers/fixtures.js';

// MongoDB only: runs when MONGODB_URI is set (test/store.contract.test.ts says when it is skipped).
const mongoUri = process.env.MONGODB_URI;
if (mongoUri) {

  describe('MongoDB history query plan', () => {
    const dbName = `history_plan_${randomUUID().replaceAll('-', '')}`;
    let store: RecommendationStore | undefined;
    let client: MongoClient | undefined;
    before(async () => {
      store = await openMongoStore(mongoUri, { dbName });
      client = await MongoClient.connect(mongoUri);
    });
    after(async () => {
      await store?.close();
      await client?.db(dbName).dropDatabase();
      await client?.close();
    });

    it('starts the index scan at the cursor, not at the patient\'s newest entry', async () => {
      const patient = `p-${randomUUID()}`;
      const start = Date.UTC(2031, 0, 1);
      for (let i = 0; i < 60; i += 1) {
        const rec = aRecommendation({ id: uuidv7(), patient_id: patient, created_at: new Date(start + i * 1000).toISOString() });
        await store!.createRecommendation(rec, eventFor(rec));
      }
      // Deep into the history: 50 newer entries lie before the cursor.
      const first = await store!.listPatientRecommendations(patientKey(patient), 50);
      expect(first.next).to.not.equal(undefined);
      const { filter, options } = historyQuery(patientKey(patient), 5, first.next);
      const plan = await client!.db(dbName).collection<RecommendationDoc>('recommendations').find(filter, options).explain('executionStats');
      const stats = plan.executionStats as { nReturned: number; totalKeysExamined: number; totalDocsExamined: number };
      expect(stats.nReturned).to.equal(6);
      expect(stats.totalKeysExamined, JSON.stringify(plan.queryPlanner)).to.be.at.most(6 + 2);
      expect(stats.totalDocsExamined).to.be.at.most(6 + 2);
      expect(JSON.stringify(plan.queryPlanner)).to.include('"indexName":"history"');
      // And the store's own page is the same one.
      const page = await store!.listPatientRecommendations(patientKey(patient), 5, first.next);
      expect(page.items.map((r) => r.created_at)).to.deep.equal(
        Array.from({ length: 5 }, (_, i) => new Date(start + (9 - i) * 1000).toISOString()),
      );
    });
  });
}
