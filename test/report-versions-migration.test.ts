import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { expect } from 'chai';
import { MIGRATIONS } from '../core/store/sqlite-schema.js';
import { openSqliteStore } from '../core/store/store-sqlite.js';

/** The migration that adds per-version counters, found by what it creates. */
const VERSIONS_MIGRATION = MIGRATIONS.findIndex((sql) => sql.includes('CREATE TABLE report_versions'));

describe('SQLite migration: report counters per ruleset version', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'report-versions-'));
  });
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  it('backfills the versions of recommendations counted before it', async () => {
    const file = path.join(dir, 'clinical.db');
    // A data file as the service left it before this migration existed.
    const old = new Database(file);
    old.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)');
    MIGRATIONS.slice(0, VERSIONS_MIGRATION).forEach((sql, index) => {
      old.exec(sql);
      old.prepare('INSERT INTO schema_migrations VALUES (?, ?)').run(index + 1, new Date().toISOString());
    });
    const insert = old.prepare(
      `INSERT INTO recommendations (id, patient_key, patient_id, created_at, decision, ruleset_name, ruleset_version, ruleset_hash)
       VALUES (?, 'k', '"p"', ?, '{}', 'clinical-recommendations', ?, 'sha256:x')`,
    );
    const counted = old.prepare('INSERT INTO report_counted (recommendation_id, date) VALUES (?, ?)');
    const total = old.prepare('INSERT INTO report_totals (date, total) VALUES (?, ?)');
    for (const [id, day, version] of [['a', '2025-03-01', '1.0.0'], ['b', '2025-03-01', '1.1.0'], ['c', '2025-03-02', '1.1.0']] as const) {
      insert.run(id, `${day}T10:00:00.000Z`, version);
      counted.run(id, day);
    }
    insert.run('not-counted-yet', '2025-03-02T11:00:00.000Z', '1.1.0');
    total.run('2025-03-01', 2);
    total.run('2025-03-02', 1);
    old.close();

    const store = openSqliteStore({ file });
    try {
      const summary = await store.reportSummary('2025-03-01', '2025-03-02');
      expect(summary.by_ruleset_version).to.deep.equal({ '1.0.0': 1, '1.1.0': 2 });
      expect(summary.daily.map((d) => d.by_ruleset_version)).to.deep.equal([{ '1.0.0': 1, '1.1.0': 1 }, { '1.1.0': 1 }]);
    } finally {
      await store.close();
    }
  });

  it('is a migration of its own, after the first', () => {
    expect(VERSIONS_MIGRATION).to.be.greaterThan(0);
  });
});
