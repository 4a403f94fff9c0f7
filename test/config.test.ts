import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import jwt from 'jsonwebtoken';
import { DEV_SECRET_FILE, resolveJwt } from '../core/auth/dev-secret.js';
import { loadConfig, type Env } from '../core/platform/config.js';
import { ConfigError } from '../core/platform/errors.js';
import { PROJECT_ROOT } from '../core/platform/paths.js';

const run = promisify(execFile);
const SECRET = 'a-config-test-secret-of-at-least-32-bytes';

function publicKeyPem(type: 'rsa' | 'ec' | 'ed25519'): string {
  const options =
    type === 'rsa' ? { modulusLength: 2048 } : type === 'ec' ? { namedCurve: 'prime256v1' } : {};
  const { publicKey } = generateKeyPairSync(type as 'rsa', options as { modulusLength: number });
  return publicKey.export({ type: 'spki', format: 'pem' }).toString();
}

function configErrorOf(env: Env): ConfigError {
  try {
    loadConfig(env, '/srv/app');
  } catch (err) {
    expect(err).to.be.instanceOf(ConfigError);
    return err as ConfigError;
  }
  expect.fail(`loadConfig accepted ${JSON.stringify(env)}`);
}

/** The environment of a child process: PATH only, plus what the test sets. */
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, ...extra };
}

describe('loadConfig', () => {
  it('applies the documented defaults when nothing is set', () => {
    const config = loadConfig({}, '/srv/app');

    expect(config).to.deep.equal({
      port: 3000,
      jwt: { secret: undefined, publicKey: undefined, algorithm: undefined, audience: 'clinical-recommendations' },
      rulesDir: path.resolve('/srv/app', 'rules'),
      rulesMaxFileBytes: 1_048_576,
      dataDir: path.resolve('/srv/app', 'data'),
      mongodbUri: undefined,
      redisUrl: undefined,
      logLevel: 'info',
      workerConcurrency: 16,
      workerLockDurationMs: 30_000,
      notifyDelayMs: 0,
      smtpUrl: undefined,
      cacheTtlSeconds: 300,
      rateLimitPerMinute: 1200,
      shutdownGraceMs: 8000,
      cdsFhirTimeoutMs: 2000,
      cdsFhirServers: undefined,
    });
  });

  it('treats empty and blank values as unset', () => {
    const config = loadConfig({ PORT: '', JWT_SECRET: '  ', MONGODB_URI: '', LOG_LEVEL: '' }, '/srv/app');

    expect(config.port).to.equal(3000);
    expect(config.jwt.secret).to.equal(undefined);
    expect(config.mongodbUri).to.equal(undefined);
    expect(config.logLevel).to.equal('info');
  });

  it('reads every variable it is given', () => {
    const config = loadConfig(
      {
        PORT: '8080',
        JWT_SECRET: SECRET,
        JWT_AUDIENCE: 'my-api',
        JWT_ISSUER: 'https://issuer.test',
        RULES_DIR: 'custom-rules',
        RULES_MAX_FILE_BYTES: '2097152',
        DATA_DIR: '/var/lib/clinical',
        MONGODB_URI: 'mongodb://mongo:27017/clinical',
        REDIS_URL: 'redis://redis:6379',
        LOG_LEVEL: 'debug',
        WORKER_CONCURRENCY: '8',
        WORKER_LOCK_DURATION_MS: '5000',
        NOTIFY_DELAY_MS: '25',
        SMTP_URL: 'smtp://mail:1025',
        CACHE_TTL_SECONDS: '60',
        RATE_LIMIT_PER_MINUTE: '0',
        SHUTDOWN_GRACE_MS: '3000',
        CDS_FHIR_TIMEOUT_MS: '750',
        CDS_FHIR_SERVERS: 'https://ehr.example.org/fhir/R4, http://10.0.0.5:8080',
      },
      '/srv/app',
    );

    expect(config).to.deep.equal({
      port: 8080,
      jwt: { secret: SECRET, publicKey: undefined, algorithm: 'HS256', audience: 'my-api', issuer: 'https://issuer.test' },
      rulesDir: '/srv/app/custom-rules',
      rulesMaxFileBytes: 2_097_152,
      dataDir: '/var/lib/clinical',
      mongodbUri: 'mongodb://mongo:27017/clinical',
      redisUrl: 'redis://redis:6379',
      logLevel: 'debug',
      workerConcurrency: 8,
      workerLockDurationMs: 5000,
      notifyDelayMs: 25,
      smtpUrl: 'smtp://mail:1025',
      cacheTtlSeconds: 60,
      rateLimitPerMinute: 0,
      shutdownGraceMs: 3000,
      cdsFhirTimeoutMs: 750,
      cdsFhirServers: new Set(['https://ehr.example.org', 'http://10.0.0.5:8080']),
    });
  });

  it('pins RS256 for an RSA public key', () => {
    const config = loadConfig({ JWT_PUBLIC_KEY: publicKeyPem('rsa') });
    expect(config.jwt.algorithm).to.equal('RS256');
    expect(config.jwt.secret).to.equal(undefined);
  });

  it('pins ES256 for an EC P-256 public key', () => {
    expect(loadConfig({ JWT_PUBLIC_KEY: publicKeyPem('ec') }).jwt.algorithm).to.equal('ES256');
  });

  it('accepts a PEM whose newlines are written as \\n (as in a .env file)', () => {
    const oneLine = publicKeyPem('rsa').trim().replace(/\n/g, '\\n');
    expect(loadConfig({ JWT_PUBLIC_KEY: oneLine }).jwt.algorithm).to.equal('RS256');
  });

  it('accepts MONGODB_URI with mongodb+srv:// and REDIS_URL with rediss://', () => {
    const config = loadConfig({ MONGODB_URI: 'mongodb+srv://cluster.example.com/db', REDIS_URL: 'rediss://redis.example.com:6380' });
    expect(config.mongodbUri).to.equal('mongodb+srv://cluster.example.com/db');
    expect(config.redisUrl).to.equal('rediss://redis.example.com:6380');
  });

  const bad: Array<{ name: string; env: Env; variable: string }> = [
    { name: 'PORT that is not a number', env: { PORT: 'abc' }, variable: 'PORT' },
    { name: 'PORT above 65535', env: { PORT: '70000' }, variable: 'PORT' },
    { name: 'negative PORT', env: { PORT: '-1' }, variable: 'PORT' },
    { name: 'fractional PORT', env: { PORT: '3000.5' }, variable: 'PORT' },
    { name: 'JWT_SECRET under 32 bytes', env: { JWT_SECRET: 'too-short' }, variable: 'JWT_SECRET' },
    { name: 'a JWT_PUBLIC_KEY that is not PEM', env: { JWT_PUBLIC_KEY: 'not a pem key' }, variable: 'JWT_PUBLIC_KEY' },
    { name: 'a truncated PEM', env: { JWT_PUBLIC_KEY: '-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkq\n-----END PUBLIC KEY-----' }, variable: 'JWT_PUBLIC_KEY' },
    { name: 'an Ed25519 key (not RSA or EC)', env: { JWT_PUBLIC_KEY: publicKeyPem('ed25519') }, variable: 'JWT_PUBLIC_KEY' },
    { name: 'MONGODB_URI with an http:// scheme', env: { MONGODB_URI: 'http://mongo:27017/clinical' }, variable: 'MONGODB_URI' },
    { name: 'MONGODB_URI that is not a URL', env: { MONGODB_URI: 'mongo' }, variable: 'MONGODB_URI' },
    { name: 'REDIS_URL with an http:// scheme', env: { REDIS_URL: 'http://redis:6379' }, variable: 'REDIS_URL' },
    { name: 'REDIS_URL that is just host:port', env: { REDIS_URL: 'localhost:6379' }, variable: 'REDIS_URL' },
    { name: 'SMTP_URL with an http:// scheme', env: { SMTP_URL: 'http://mail:1025' }, variable: 'SMTP_URL' },
    { name: 'SMTP_URL that is just host:port', env: { SMTP_URL: 'mail:1025' }, variable: 'SMTP_URL' },
    { name: 'LOG_LEVEL that winston does not know', env: { LOG_LEVEL: 'bogus' }, variable: 'LOG_LEVEL' },
    { name: 'WORKER_CONCURRENCY 0', env: { WORKER_CONCURRENCY: '0' }, variable: 'WORKER_CONCURRENCY' },
    { name: 'WORKER_CONCURRENCY that is not a number', env: { WORKER_CONCURRENCY: 'many' }, variable: 'WORKER_CONCURRENCY' },
    { name: 'WORKER_LOCK_DURATION_MS under a second', env: { WORKER_LOCK_DURATION_MS: '999' }, variable: 'WORKER_LOCK_DURATION_MS' },
    { name: 'NOTIFY_DELAY_MS that is not a number', env: { NOTIFY_DELAY_MS: 'soon' }, variable: 'NOTIFY_DELAY_MS' },
    { name: 'CACHE_TTL_SECONDS 0', env: { CACHE_TTL_SECONDS: '0' }, variable: 'CACHE_TTL_SECONDS' },
    { name: 'CDS_FHIR_TIMEOUT_MS 0', env: { CDS_FHIR_TIMEOUT_MS: '0' }, variable: 'CDS_FHIR_TIMEOUT_MS' },
    { name: 'CDS_FHIR_SERVERS with a name that is not a URL', env: { CDS_FHIR_SERVERS: 'https://ehr.example.org, ehr2' }, variable: 'CDS_FHIR_SERVERS' },
    { name: 'CDS_FHIR_SERVERS with an ftp:// origin', env: { CDS_FHIR_SERVERS: 'ftp://ehr.example.org' }, variable: 'CDS_FHIR_SERVERS' },
    { name: 'RULES_MAX_FILE_BYTES that is not a number', env: { RULES_MAX_FILE_BYTES: '1MB' }, variable: 'RULES_MAX_FILE_BYTES' },
    { name: 'RULES_MAX_FILE_BYTES too small for any ruleset', env: { RULES_MAX_FILE_BYTES: '10' }, variable: 'RULES_MAX_FILE_BYTES' },
  ];

  for (const c of bad) {
    it(`throws a ConfigError starting with ${c.variable} for ${c.name}`, () => {
      const err = configErrorOf(c.env);

      expect(err.variable).to.equal(c.variable);
      expect(err.message.startsWith(`${c.variable}:`), err.message).to.equal(true);
      expect(err.message).to.not.include('\n');
    });
  }

  it('throws a ConfigError naming a JWT variable when both JWT_SECRET and JWT_PUBLIC_KEY are set', () => {
    const err = configErrorOf({ JWT_SECRET: SECRET, JWT_PUBLIC_KEY: publicKeyPem('rsa') });

    expect(err.message).to.match(/^(JWT_SECRET|JWT_PUBLIC_KEY):/);
    expect(err.message).to.include('JWT_SECRET').and.include('JWT_PUBLIC_KEY');
  });

  it('does not echo a rejected secret in its message', () => {
    const err = configErrorOf({ JWT_SECRET: 'short-but-secret' });
    expect(err.message).to.not.include('short-but-secret');
  });
});

describe('api/main.ts with a bad configuration', () => {
  it('exits 1 with a single stderr line naming PORT', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'clinical-config-'));
    try {
      const result = await run(process.execPath, ['--import', 'tsx', 'api/main.ts'], {
        cwd: PROJECT_ROOT,
        env: childEnv({ PORT: 'abc', JWT_SECRET: SECRET, DATA_DIR: dataDir }),
        timeout: 15_000,
      }).then(
        (ok) => ({ code: 0, stdout: ok.stdout, stderr: ok.stderr }),
        (err: { code: number; stdout: string; stderr: string }) => err,
      );

      expect(result.code, result.stderr).to.equal(1);
      const lines = result.stderr.trim().split('\n');
      expect(lines, result.stderr).to.have.length(1);
      expect(lines[0]).to.match(/\bPORT\b/);
      expect(result.stdout).to.equal('');
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe('development JWT secret', () => {
  let dataDir: string;
  beforeEach(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'clinical-devsecret-'));
  });
  afterEach(async () => rm(dataDir, { recursive: true, force: true }));

  it('is generated once into DATA_DIR when no key is configured, and reused on the next start', async () => {
    const first = resolveJwt(loadConfig({ DATA_DIR: dataDir }));
    const second = resolveJwt(loadConfig({ DATA_DIR: dataDir }));

    const file = path.join(dataDir, DEV_SECRET_FILE);
    expect(first.devSecretFile).to.equal(file);
    expect(first.config.jwt.algorithm).to.equal('HS256');
    expect(first.config.jwt.secret).to.be.a('string');
    expect(Buffer.byteLength(first.config.jwt.secret ?? '')).to.be.at.least(32);
    expect(second.config.jwt.secret).to.equal(first.config.jwt.secret);
    expect((await readFile(file, 'utf8')).trim()).to.equal(first.config.jwt.secret);
    expect((await stat(file)).mode & 0o077, 'only the owner may read the secret').to.equal(0);
  });

  it('is not created when JWT_SECRET is configured', async () => {
    const { config, devSecretFile } = resolveJwt(loadConfig({ DATA_DIR: dataDir, JWT_SECRET: SECRET }));

    expect(devSecretFile).to.equal(undefined);
    expect(config.jwt.secret).to.equal(SECRET);
    const exists = await stat(path.join(dataDir, DEV_SECRET_FILE)).then(() => true, () => false);
    expect(exists).to.equal(false);
  });

  it('is the secret `npm run token` signs with, so its tokens verify and carry the scope', async () => {
    const { config } = resolveJwt(loadConfig({ DATA_DIR: dataDir }));

    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'core/auth/token-cli.ts', '--scope', 'rules:read'], {
      cwd: PROJECT_ROOT,
      env: childEnv({ DATA_DIR: dataDir }),
      timeout: 15_000,
    });

    const token = stdout.trim();
    const payload = jwt.verify(token, config.jwt.secret ?? '', { algorithms: ['HS256'], audience: 'clinical-recommendations' }) as jwt.JwtPayload;
    expect(payload.scope).to.equal('rules:read');
    expect(payload.exp).to.be.a('number');
  });

  it('is created by `npm run token` on a fresh DATA_DIR and then used by the service', async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'core/auth/token-cli.ts', '--scope', 'recommendations:read reports:read'], {
      cwd: PROJECT_ROOT,
      env: childEnv({ DATA_DIR: dataDir }),
      timeout: 15_000,
    });
    const { config } = resolveJwt(loadConfig({ DATA_DIR: dataDir }));

    const payload = jwt.verify(stdout.trim(), config.jwt.secret ?? '', { algorithms: ['HS256'], audience: 'clinical-recommendations' }) as jwt.JwtPayload;
    expect(payload.scope).to.equal('recommendations:read reports:read');
  });
});
