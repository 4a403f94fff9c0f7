import type { MongoCollections } from './mongo-collections.js';

/**
 * One-time data migrations of the MongoDB store, run at open after the
 * collections exist. Each is idempotent (two processes starting together may
 * both run it) and recorded in `migrations` so later opens skip it.
 */
const MIGRATIONS: Array<{ id: string; run: (collections: MongoCollections) => Promise<void> }> = [
  {
    // Markers counted before the report kept the ruleset version get it from
    // their recommendation, as SQLite's migration 2 does ('unknown' when the
    // recommendation is gone), so by_ruleset_version is computable from them.
    id: 'report_counted.ruleset_version',
    async run({ reportCounted, recommendations }) {
      await reportCounted
        .aggregate([
          { $match: { ruleset_version: { $exists: false } } },
          { $lookup: { from: recommendations.collectionName, localField: '_id', foreignField: '_id', as: 'rec' } },
          { $project: { ruleset_version: { $ifNull: [{ $first: '$rec.ruleset.version' }, 'unknown'] } } },
          { $merge: { into: reportCounted.collectionName, on: '_id', whenMatched: 'merge', whenNotMatched: 'discard' } },
        ])
        .toArray();
    },
  },
];

export async function migrate(collections: MongoCollections): Promise<void> {
  const done = new Set((await collections.migrations.find({}, { projection: { _id: 1 } }).toArray()).map((m) => m._id));
  for (const migration of MIGRATIONS) {
    if (done.has(migration.id)) continue;
    await migration.run(collections);
    await collections.migrations.updateOne({ _id: migration.id }, { $setOnInsert: { done_at: new Date() } }, { upsert: true });
  }
}
