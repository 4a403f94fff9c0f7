import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { MongoClient } from 'mongodb';
import supertest from 'supertest';
import { startApiService, type ApiService } from '../../api/main.js';
import { signToken } from '../../core/auth/sign-token.js';
import { loadConfig, type Config, type Env } from '../../core/platform/config.js';
import { resolveJwt } from '../../core/auth/dev-secret.js';
import { createLogger } from '../../core/platform/logger.js';
import { PROJECT_ROOT } from '../../core/platform/paths.js';
import { withDatabase } from '../../core/store/mongo-options.js';

export const TEST_SECRET = 'test-secret-that-is-at-least-32-bytes-long!!';
export const ALL_SCOPES = ['recommendations:write', 'recommendations:read', 'rules:read', 'reports:read'];

export interface TestService {
  service: ApiService;
  config: Config;
  dataDir: string;
  http: ReturnType<typeof supertest>;
  /** Every application log line so far, parsed. */
  logs: Array<Record<string, unknown>>;
  token(scopes?: string[], subject?: string): string;
  /** Resolves when the in-process worker has processed this recommendation. */
  processed(recommendationId: string, timeoutMs?: number): Promise<void>;
  stop(options?: { keepData?: boolean }): Promise<void>;
}

/**
 * The real service (in-process queue, shipped rules) on a free port with its
 * own data folder. The store is SQLite in that folder, or, when MONGODB_URI
 * is set in the test environment (and `env` does not set one itself; '' keeps
 * SQLite), MongoDB with a database of its own named after the folder, so a
 * service restarted on the same folder finds its data again.
 */
export async function startTestService(env: Env = {}, reuseDataDir?: string): Promise<TestService> {
  const dataDir = reuseDataDir ?? (await mkdtemp(path.join(os.tmpdir(), 'clinical-test-')));
  const mongodbUri = env.MONGODB_URI === undefined ? testMongoUri(dataDir) : undefined;
  const { config } = resolveJwt(
    loadConfig({
      PORT: '0',
      JWT_SECRET: TEST_SECRET,
      DATA_DIR: dataDir,
      RULES_DIR: path.join(PROJECT_ROOT, 'rules'),
      LOG_LEVEL: 'debug',
      ...(mongodbUri ? { MONGODB_URI: mongodbUri } : {}),
      ...env,
    }),
  );
  const logs: Array<Record<string, unknown>> = [];
  const stream = new PassThrough();
  stream.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) logs.push(JSON.parse(line) as Record<string, unknown>);
  });
  const logger = createLogger(config.logLevel, { service: 'api', stream });
  const service = await startApiService(config, logger, { withWorker: true });
  const done = new Set<string>();
  service.events.on('processed', (id: string) => done.add(id));
  return {
    service,
    config,
    dataDir,
    http: supertest(`http://127.0.0.1:${service.port}`),
    logs,
    token: (scopes = ALL_SCOPES, subject = 'test-client') =>
      signToken(config.jwt, { scopes, subject, expiresInSeconds: 300 }),
    processed: (id, timeoutMs = 5000) =>
      new Promise<void>((resolve, reject) => {
        if (done.has(id)) return resolve();
        const timer = setTimeout(() => reject(new Error(`worker did not process ${id} within ${timeoutMs} ms`)), timeoutMs);
        const listener = (processedId: string) => {
          if (processedId !== id) return;
          clearTimeout(timer);
          service.events.off('processed', listener);
          resolve();
        };
        service.events.on('processed', listener);
      }),
    async stop(options = {}) {
      await service.stop();
      if (!options.keepData && reuseDataDir === undefined) {
        await rm(dataDir, { recursive: true, force: true });
        if (mongodbUri) await dropTestDatabase(mongodbUri);
      }
    },
  };
}

/** MONGODB_URI of the test run, naming a database for this data folder; undefined without one. */
export function testMongoUri(dataDir: string): string | undefined {
  const base = process.env.MONGODB_URI;
  if (!base) return undefined;
  return withDatabase(base, `test_${path.basename(dataDir).replace(/[^A-Za-z0-9_]/g, '_')}`.slice(0, 60));
}

export async function dropTestDatabase(uri: string): Promise<void> {
  const client = await MongoClient.connect(uri, { serverSelectionTimeoutMS: 5000 });
  try {
    await client.db().dropDatabase();
  } finally {
    await client.close();
  }
}

let counter = 0;
/** A patient id no other test uses. */
export function uniquePatientId(): string {
  counter += 1;
  return `p-${process.pid}-${Date.now().toString(36)}-${counter}`;
}
