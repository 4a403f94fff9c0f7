import { createPublicKey } from 'node:crypto';
import path from 'node:path';
import type { Algorithm } from 'jsonwebtoken';
import { ConfigError } from './errors.js';

/**
 * The whole configuration, read and validated once at start. Nothing else in
 * the code reads `process.env`.
 */
export interface Config {
  port: number;
  jwt: JwtConfig;
  rulesDir: string;
  /** Largest ruleset file loaded; a larger one is listed invalid without being read. */
  rulesMaxFileBytes: number;
  dataDir: string;
  mongodbUri?: string;
  redisUrl?: string;
  logLevel: LogLevel;
  workerConcurrency: number;
  /** How long a worker owns a job; a crashed worker's job is retried after this. */
  workerLockDurationMs: number;
  /** Latency of the simulated patient notification. */
  notifyDelayMs: number;
  /** E-mail notifications over SMTP (`smtp://` or `smtps://`); unset: simulated. */
  smtpUrl?: string;
  cacheTtlSeconds: number;
  /** Requests per token subject (or client address, unauthenticated) per minute, across replicas; 0 disables. */
  rateLimitPerMinute: number;
  /** How long SIGTERM may take to drain before the process gives up and exits 1. */
  shutdownGraceMs: number;
  /** CDS Hooks: how long a hook call waits for the EHR's FHIR server, all its reads together. */
  cdsFhirTimeoutMs: number;
  /** CDS Hooks: origins a hook call may make the service read from; undefined: any. */
  cdsFhirServers?: ReadonlySet<string>;
}

export interface JwtConfig {
  /** HS256 shared secret, or undefined when a public key is configured. */
  secret?: string;
  publicKey?: string;
  /** The one algorithm accepted; tokens signed otherwise are rejected. */
  algorithm: Algorithm;
  audience: string;
  issuer?: string;
}

const LOG_LEVELS = ['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export type Env = Record<string, string | undefined>;

/** Raw JWT settings: the secret may still have to be generated (see dev-secret.ts). */
export type ConfigWithoutSecret = Omit<Config, 'jwt'> & { jwt: Omit<JwtConfig, 'algorithm'> & { algorithm?: Algorithm } };

export function loadConfig(env: Env, cwd = process.cwd()): ConfigWithoutSecret {
  const secret = optional(env, 'JWT_SECRET');
  const publicKey = optional(env, 'JWT_PUBLIC_KEY')?.replace(/\\n/g, '\n');
  if (secret !== undefined && publicKey !== undefined) {
    throw new ConfigError('JWT_PUBLIC_KEY', 'set either JWT_SECRET (HS256) or JWT_PUBLIC_KEY, not both');
  }
  if (secret !== undefined && Buffer.byteLength(secret) < 32) {
    throw new ConfigError('JWT_SECRET', 'must be at least 32 bytes long');
  }
  const issuer = optional(env, 'JWT_ISSUER');
  return {
    port: integer(env, 'PORT', 3000, 0, 65535),
    jwt: {
      secret,
      publicKey,
      algorithm: publicKey !== undefined ? algorithmOf(publicKey) : secret !== undefined ? 'HS256' : undefined,
      audience: optional(env, 'JWT_AUDIENCE') ?? 'clinical-recommendations',
      ...(issuer !== undefined ? { issuer } : {}),
    },
    rulesDir: path.resolve(cwd, optional(env, 'RULES_DIR') ?? './rules'),
    rulesMaxFileBytes: rulesMaxFileBytes(env),
    dataDir: path.resolve(cwd, optional(env, 'DATA_DIR') ?? './data'),
    mongodbUri: url(env, 'MONGODB_URI', ['mongodb:', 'mongodb+srv:']),
    redisUrl: url(env, 'REDIS_URL', ['redis:', 'rediss:']),
    logLevel: oneOf(env, 'LOG_LEVEL', LOG_LEVELS, 'info'),
    workerConcurrency: integer(env, 'WORKER_CONCURRENCY', 16, 1, 256),
    workerLockDurationMs: integer(env, 'WORKER_LOCK_DURATION_MS', 30_000, 1000, 600_000),
    notifyDelayMs: integer(env, 'NOTIFY_DELAY_MS', 0, 0, 60_000),
    smtpUrl: url(env, 'SMTP_URL', ['smtp:', 'smtps:']),
    cacheTtlSeconds: integer(env, 'CACHE_TTL_SECONDS', 300, 1, 86_400),
    rateLimitPerMinute: integer(env, 'RATE_LIMIT_PER_MINUTE', 1200, 0, 10_000_000),
    // Under docker stop's 10 s before SIGKILL, so a stuck drain still says why.
    shutdownGraceMs: integer(env, 'SHUTDOWN_GRACE_MS', 8000, 100, 600_000),
    cdsFhirTimeoutMs: integer(env, 'CDS_FHIR_TIMEOUT_MS', 2000, 1, 60_000),
    cdsFhirServers: origins(env, 'CDS_FHIR_SERVERS'),
  };
}

/** RULES_MAX_FILE_BYTES alone, for the clinical-rules CLI, which needs no other setting. */
export function rulesMaxFileBytes(env: Env): number {
  return integer(env, 'RULES_MAX_FILE_BYTES', 1_048_576, 1024, 268_435_456);
}

function optional(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value;
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = optional(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw.trim())) throw new ConfigError(name, `must be a whole number, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${value}`);
  return value;
}

/** A comma-separated list of http(s) origins, each normalised (`https://ehr.example.org`). */
function origins(env: Env, name: string): ReadonlySet<string> | undefined {
  const raw = optional(env, name);
  if (raw === undefined) return undefined;
  const set = new Set<string>();
  for (const entry of raw.split(',').map((e) => e.trim()).filter(Boolean)) {
    let parsed: URL;
    try {
      parsed = new URL(entry);
    } catch {
      throw new ConfigError(name, `"${entry}" is not a URL`);
    }
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new ConfigError(name, `"${entry}" must be an http(s) origin`);
    set.add(parsed.origin);
  }
  return set;
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = optional(env, name);
  if (raw === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ConfigError(name, `must be one of ${allowed.join(', ')}, got "${raw}"`);
  }
  return raw as T;
}

function url(env: Env, name: string, protocols: string[]): string | undefined {
  const raw = optional(env, name);
  if (raw === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(name, 'is not a valid URL');
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(name, `must start with ${protocols.map((p) => `${p}//`).join(' or ')}`);
  }
  return raw;
}

/** The signature algorithm follows from the key: RSA keys sign RS256, EC keys ES256/384/512. */
function algorithmOf(pem: string): Algorithm {
  let key;
  try {
    key = createPublicKey(pem);
  } catch {
    throw new ConfigError('JWT_PUBLIC_KEY', 'is not a PEM public key');
  }
  if (key.asymmetricKeyType === 'rsa') return 'RS256';
  if (key.asymmetricKeyType === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    if (curve === 'prime256v1') return 'ES256';
    if (curve === 'secp384r1') return 'ES384';
    if (curve === 'secp521r1') return 'ES512';
  }
  throw new ConfigError('JWT_PUBLIC_KEY', `unsupported key type ${key.asymmetricKeyType ?? 'unknown'}; use RSA or EC P-256`);
}
