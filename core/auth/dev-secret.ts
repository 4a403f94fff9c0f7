import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Config, ConfigWithoutSecret } from '../platform/config.js';

export const DEV_SECRET_FILE = 'dev-jwt-secret';

/**
 * Completes the JWT settings. With no key configured, a development secret is
 * generated once and kept in DATA_DIR so that restarts and `npm run token`
 * agree. Returns whether that happened, so the caller can warn loudly.
 */
export function resolveJwt(config: ConfigWithoutSecret): { config: Config; devSecretFile?: string } {
  const { jwt } = config;
  if (jwt.algorithm !== undefined) return { config: { ...config, jwt: { ...jwt, algorithm: jwt.algorithm } } };
  const file = path.join(config.dataDir, DEV_SECRET_FILE);
  const secret = readOrCreateSecret(file);
  return { config: { ...config, jwt: { ...jwt, secret, algorithm: 'HS256' } }, devSecretFile: file };
}

function readOrCreateSecret(file: string): string {
  try {
    const existing = readFileSync(file, 'utf8').trim();
    if (existing.length >= 32) return existing;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  mkdirSync(path.dirname(file), { recursive: true });
  const secret = randomBytes(48).toString('base64url');
  // 'wx' makes two processes starting together agree on the first writer's secret.
  try {
    writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
    return secret;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return readFileSync(file, 'utf8').trim();
    throw err;
  }
}
