import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { expect } from 'chai';
import { MIGRATIONS } from '../core/store/sqlite-schema.js';
import { openSqliteStore } from '../core/store/store-sqlite.js';

/** The migration that lets a notification be pending (no sent_at yet), found by what it creates. */
const PENDING_MIGRATION = MIGRATIONS.findIndex((sql) => sql.includes('CREATE TABLE notifications_v2'));

describe('SQLite migration: notifications recorded pending before delivery', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'notifications-migration-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('keeps the notifications sent before it, and lets new ones begin pending', async () => {
    const file = path.join(dir, 'clinical.db');
    // A data file as the service left it before this migration existed.
    const old = new Database(file);
    old.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)');
    MIGRATIONS.slice(0, PENDING_MIGRATION).forEach((sql, index) => {
      old.exec(sql);
      old.prepare('INSERT INTO schema_migrations VALUES (?, ?)').run(index + 1, new Date().toISOString());
    });
    old.prepare(
      `INSERT INTO recommendations (id, patient_key, patient_id, created_at, decision, ruleset_name, ruleset_version, ruleset_hash)
       VALUES ('r1', 'k', '"k"', '2025-03-01T10:00:00.000Z', '{"recommendation":null,"recommendations":[]}', 'clinical-recommendations', '1.0.0', 'sha256:x')`,
    ).run();
    old.prepare("INSERT INTO notifications VALUES ('r1', 'email', 'sent', '2025-03-01T10:00:01.000Z')").run();
    old.close();

    const store = openSqliteStore({ file });
    try {
      expect(await store.beginNotifications('r1', ['email', 'sms'])).to.deep.equal([
        { channel: 'email', status: 'sent', sent_at: '2025-03-01T10:00:01.000Z' },
        { channel: 'sms', status: 'pending', sent_at: null },
      ]);
    } finally {
      await store.close();
    }
  });

  it('is a migration of its own, after the first', () => {
    expect(PENDING_MIGRATION).to.be.greaterThan(0);
  });
});
