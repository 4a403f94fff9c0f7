import { spawnSync } from 'node:child_process';
import { closeSync, openSync, readdirSync, readlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect } from 'chai';
import Database from 'better-sqlite3';
import { MongoClient, MongoNetworkError, MongoServerError } from 'mongodb';
import { v7 as uuidv7 } from 'uuid';
import { AppError, ConfigError, RETRY_AFTER_SECONDS } from '../core/platform/errors.js';
import { PROJECT_ROOT } from '../core/platform/paths.js';
import { openMongoStore } from '../core/store/store-mongo.js';
import { CONNECT_TIMEOUT_MS, mongoTarget, SERVER_SELECTION_TIMEOUT_MS, withDatabase } from '../core/store/mongo-options.js';
import { asStoreError, guardStore, storeUnavailableReason } from '../core/store/store-unavailable.js';
import { expectMatchesSpec } from './helpers/openapi-contract.js';
import { startTestService, uniquePatientId, type TestService } from './helpers/api-service.js';

/**
 * DESIGN.md: a store that cannot be reached answers 503 problem+json with
 * Retry-After, never 500, and readiness is 503 while it lasts. SQLite is
 * broken for real under a running service; MongoDB (no server can run here)
 * through real driver errors from an address where nothing listens.
 */

const body = () => ({ patient_id: uniquePatientId(), age: 70, chronic_pain: true, bmi: 31.5 });

function expectUnavailable(res: { status: number; headers: Record<string, string>; body: unknown; text: string }): void {
  expect(res.status, res.text).to.equal(503);
  expect(res.headers['content-type']).to.match(/^application\/problem\+json/);
  expect(res.headers['retry-after']).to.equal(String(RETRY_AFTER_SECONDS));
  expect(res.body).to.include({ status: 503, type: '/problems/unavailable' });
}

/**
 * Replaces this process's descriptors of the files under `dir` with a
 * descriptor of the directory itself, as a disk that fails would: the
 * connection keeps its numbers, but every read(2) and write(2) on them fails.
 * The lowest free number is the one open(2) returns, so each closed number
 * is taken back at once (lower free numbers are filled first, then freed).
 */
function breakFilesUnder(dir: string): number[] {
  const fds = readdirSync('/proc/self/fd')
    .map(Number)
    .filter((fd) => {
      try {
        return readlinkSync(`/proc/self/fd/${fd}`).startsWith(`${dir}/`);
      } catch {
        return false;
      }
    });
  for (const fd of fds) {
    closeSync(fd);
    const fillers: number[] = [];
    for (;;) {
      const taken = openSync(dir, 'r');
      if (taken === fd) break;
      fillers.push(taken);
      if (taken > fd) throw new Error(`descriptor ${fd} was not taken back`);
    }
    for (const filler of fillers) closeSync(filler);
  }
  return fds;
}

describe('Store outage: 503 with Retry-After, readiness 503', () => {
  describe('SQLite under a running service', () => {
    let svc: TestService;
    beforeEach(async () => {
      // SQLite even when the run has MONGODB_URI: this breaks its files.
      svc = await startTestService({ MONGODB_URI: '' });
    });
    afterEach(async () => svc.stop());

    const auth = () => `Bearer ${svc.token()}`;

    it('answers 503 when the disk fails under the open database while another process writes', async function () {
      if (!existsProcFd()) this.skip();
      const created = await svc.http.post('/evaluate').set('Authorization', auth()).send(body());
      expect(created.status, created.text).to.equal(201);
      await svc.processed(created.body.id as string);
      expect((await svc.http.get('/health/ready')).status).to.equal(200);

      const broken = breakFilesUnder(svc.dataDir);
      expect(broken.length, 'the database, its WAL and its shared memory are open').to.be.at.least(2);
      // Another process with working descriptors (a worker) commits: the service's
      // next read must then read pages again, not serve them from its cache.
      writeFromAnotherProcess(svc.dataDir);

      const post = await svc.http.post('/evaluate').set('Authorization', auth()).send(body());
      expectUnavailable(post);
      expectMatchesSpec(post, '/evaluate', 'post');
      // An id no cache holds, so the read goes to the store.
      const read = await svc.http.get(`/recommendation/${uuidv7()}`).set('Authorization', auth());
      expectUnavailable(read);
      expectMatchesSpec(read, '/recommendation/{id}', 'get');
      const history = await svc.http.get(`/patients/${uniquePatientId()}/recommendations`).set('Authorization', auth());
      expectUnavailable(history);
      const report = await svc.http.get('/reports/summary').set('Authorization', auth());
      expectUnavailable(report);

      const ready = await svc.http.get('/health/ready');
      expect(ready.status).to.equal(503);
      expect(ready.body.checks.store.status).to.equal('down');
      expect(svc.logs.some((l) => l.message === 'unhandled error'), 'no request fell through to 500').to.equal(false);
    });

    it('answers 503 when the database is closed under it', async () => {
      await svc.service.store.close();

      expectUnavailable(await svc.http.post('/evaluate').set('Authorization', auth()).send(body()));
      expectUnavailable(await svc.http.get(`/recommendation/${uuidv7()}`).set('Authorization', auth()));
      expectUnavailable(await svc.http.get(`/patients/${uniquePatientId()}/recommendations`).set('Authorization', auth()));
      const ready = await svc.http.get('/health/ready');
      expect(ready.status).to.equal(503);
      expect(ready.body.checks.store.status).to.equal('down');
    });
  });

  describe('which errors mean "the store cannot serve"', () => {
    it('SQLite I/O, full disk, lock time-out, read-only and closed connections; not constraint errors', () => {
      for (const code of ['SQLITE_IOERR_WRITE', 'SQLITE_IOERR', 'SQLITE_FULL', 'SQLITE_BUSY', 'SQLITE_READONLY_DBMOVED', 'SQLITE_CANTOPEN', 'SQLITE_PROTOCOL']) {
        expect(storeUnavailableReason(new Database.SqliteError('failed', code)), code).to.be.a('string');
      }
      expect(storeUnavailableReason(new Database.SqliteError('UNIQUE constraint failed', 'SQLITE_CONSTRAINT_UNIQUE'))).to.equal(undefined);
      const db = new Database(':memory:');
      db.close();
      let closed: unknown;
      try {
        db.prepare('SELECT 1');
      } catch (err) {
        closed = err;
      }
      expect(storeUnavailableReason(closed)).to.be.a('string');
    });

    it('MongoDB: no server, network, no primary, spent retries; not a duplicate key', () => {
      expect(storeUnavailableReason(new MongoNetworkError('connection reset'))).to.be.a('string');
      expect(storeUnavailableReason(new MongoServerError({ message: 'not primary', code: 10107 }))).to.be.a('string');
      const conflict = new MongoServerError({ message: 'write conflict', code: 112 });
      expect(storeUnavailableReason(conflict)).to.be.a('string');
      const labelled = new MongoServerError({ message: 'transient', code: 999_999 });
      labelled.addErrorLabel('TransientTransactionError');
      expect(storeUnavailableReason(labelled)).to.be.a('string');
      expect(storeUnavailableReason(new MongoServerError({ message: 'E11000 duplicate key', code: 11000 }))).to.equal(undefined);
      expect(storeUnavailableReason(new Error('a bug'))).to.equal(undefined);
    });

    it('guardStore turns those into UNAVAILABLE with the cause, and leaves the rest alone', async () => {
      const io = new Database.SqliteError('disk I/O error', 'SQLITE_IOERR_READ');
      const bug = new TypeError('undefined is not a function');
      const store = guardStore({
        read: async () => Promise.reject(io),
        buggy: async () => Promise.reject(bug),
        sync: () => {
          throw io;
        },
        value: 42,
      });
      const err = await store.read().catch((e: unknown) => e);
      expect(err).to.be.instanceOf(AppError).and.to.include({ code: 'UNAVAILABLE' });
      expect((err as AppError).cause).to.equal(io);
      expect(await store.buggy().catch((e: unknown) => e)).to.equal(bug);
      expect(() => store.sync()).to.throw(AppError);
      expect(store.value).to.equal(42);
      expect(store.read, 'one wrapper per method').to.equal(store.read);
      expect(asStoreError(new AppError('NOT_FOUND', 'x'))).to.include({ code: 'NOT_FOUND' });
    });

    it('guardStore translates what an async iterable it returns throws mid-iteration', async () => {
      const io = new Database.SqliteError('disk I/O error', 'SQLITE_IOERR_READ');
      const store = guardStore({
        async *decisions() {
          yield 1;
          throw io;
        },
      });
      const seen: number[] = [];
      const err = await (async () => {
        for await (const n of store.decisions()) seen.push(n);
      })().catch((e: unknown) => e);
      expect(seen).to.deep.equal([1]);
      expect(err).to.be.instanceOf(AppError).and.to.include({ code: 'UNAVAILABLE' });
      expect((err as AppError).cause).to.equal(io);
    });
  });

  describe('MongoDB connection settings', () => {
    it('takes the database from the URI and requires one', () => {
      expect(mongoTarget('mongodb://mongo:27017/clinical?replicaSet=rs0').dbName).to.equal('clinical');
      expect(mongoTarget('mongodb://a:1,b:2/clinical_test?replicaSet=rs0&directConnection=false').dbName).to.equal('clinical_test');
      expect(mongoTarget('mongodb+srv://u:p%2Fw@cluster.example.com/reports').dbName).to.equal('reports');
      expect(mongoTarget('mongodb://mongo:27017/?replicaSet=rs0', 'override').dbName).to.equal('override');
      for (const uri of ['mongodb://mongo:27017', 'mongodb://mongo:27017/', 'mongodb://mongo:27017/?replicaSet=rs0']) {
        expect(() => mongoTarget(uri), uri).to.throw(ConfigError, /^MONGODB_URI: names no database/);
      }
    });

    it('sets selection and connect timeouts unless the URI sets its own', () => {
      expect(mongoTarget('mongodb://mongo:27017/clinical').options).to.include({
        serverSelectionTimeoutMS: SERVER_SELECTION_TIMEOUT_MS,
        connectTimeoutMS: CONNECT_TIMEOUT_MS,
      });
      const own = mongoTarget('mongodb://mongo:27017/clinical?serverSelectionTimeoutMS=800&CONNECTTIMEOUTMS=900').options;
      expect(own).to.not.have.property('serverSelectionTimeoutMS');
      expect(own).to.not.have.property('connectTimeoutMS');
      // The driver takes the URI's values then.
      const client = new MongoClient('mongodb://mongo:27017/clinical?serverSelectionTimeoutMS=800', own);
      expect(client.options.serverSelectionTimeoutMS).to.equal(800);
    });

    it('names another database in the same URI', () => {
      expect(withDatabase('mongodb://a:1,b:2/clinical?replicaSet=rs0', 'other')).to.equal('mongodb://a:1,b:2/other?replicaSet=rs0');
      expect(withDatabase('mongodb://a:1', 'other')).to.equal('mongodb://a:1/other');
    });

    it('fails to open when no server answers, with an error the API answers as UNAVAILABLE', async () => {
      const port = await closedPort();
      const err = await openMongoStore(`mongodb://127.0.0.1:${port}/clinical?serverSelectionTimeoutMS=300`).catch((e: unknown) => e);
      expect(storeUnavailableReason(err), String(err)).to.match(/MongoServerSelectionError/);
      expect(asStoreError(err)).to.be.instanceOf(AppError).and.to.include({ code: 'UNAVAILABLE' });
    });

    it('refuses a URI without a database before connecting', async () => {
      const err = await openMongoStore('mongodb://127.0.0.1:1/?replicaSet=rs0').catch((e: unknown) => e);
      expect(err).to.be.instanceOf(ConfigError);
      expect((err as ConfigError).variable).to.equal('MONGODB_URI');
    });
  });
});

/** One recommendation stored by a separate node process, through the real store. */
function writeFromAnotherProcess(dataDir: string): void {
  const store = pathToFileURL(path.join(PROJECT_ROOT, 'core/store/store-sqlite.ts')).href;
  const fixtures = pathToFileURL(path.join(PROJECT_ROOT, 'test/helpers/fixtures.ts')).href;
  const domain = pathToFileURL(path.join(PROJECT_ROOT, 'core/domain/recommendation.ts')).href;
  const script = `
    const { openSqliteStore } = await import(${JSON.stringify(store)});
    const { aRecommendation } = await import(${JSON.stringify(fixtures)});
    const { eventFor } = await import(${JSON.stringify(domain)});
    const store = openSqliteStore({ dataDir: ${JSON.stringify(dataDir)} });
    const rec = aRecommendation();
    await store.createRecommendation(rec, eventFor(rec));
    await store.close();`;
  const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: PROJECT_ROOT, encoding: 'utf8', timeout: 20_000 });
  if (run.status !== 0) throw new Error(`the other process could not write: ${run.stderr}`);
}

function existsProcFd(): boolean {
  try {
    return readdirSync('/proc/self/fd').length > 0;
  } catch {
    return false;
  }
}

/** A local port nothing listens on (taken, then released). */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
