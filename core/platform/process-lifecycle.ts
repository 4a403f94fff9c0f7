import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { resolveJwt } from '../auth/dev-secret.js';
import { loadConfig, type Config } from './config.js';
import { ConfigError } from './errors.js';
import { createLogger, type Logger } from './logger.js';

export interface Stoppable {
  stop(): Promise<void>;
}

/** True in the module node was asked to run, so a composition root can also be imported by another. */
export function isEntryPoint(moduleUrl: string): boolean {
  const script = process.argv[1];
  return script !== undefined && pathToFileURL(path.resolve(script)).href === moduleUrl;
}

/**
 * What both entry points do: read config once (a bad value stops the process
 * with one line naming the variable), start, and drain on SIGTERM/SIGINT:
 * exit 0 once `stop()` resolves, 1 when it fails or outlasts
 * SHUTDOWN_GRACE_MS (default 8 s, inside docker stop's 10 s).
 */
export async function runProcess(service: string, start: (config: Config, logger: Logger) => Promise<Stoppable>): Promise<void> {
  let config: Config;
  let devSecretFile: string | undefined;
  try {
    ({ config, devSecretFile } = resolveJwt(loadConfig(process.env)));
  } catch (err) {
    process.stderr.write(`configuration error: ${err instanceof ConfigError ? err.message : (err as Error).message}\n`);
    process.exit(1);
  }
  const logger = createLogger(config.logLevel, { service });
  if (devSecretFile) warnDevSecret(logger, devSecretFile);

  // Listening for signals before the start: a SIGTERM while starting (a quick
  // rollback) waits for the start, then drains, instead of killing mid-way.
  const starting = start(config, logger);
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    const graceMs = config.shutdownGraceMs;
    logger.info({ signal, grace_ms: graceMs }, 'draining');
    // A drain that hangs (a client that never finishes its body, a store that
    // never answers) must not keep a dead replica around: say so and give up.
    setTimeout(() => {
      logger.error({ signal, grace_ms: graceMs }, 'drain did not finish within the grace period; exiting');
      process.exit(1);
    }, graceMs);
    starting
      .then((running) => running.stop())
      .then(
        () => process.exit(0),
        (err: unknown) => {
          logger.error({ err }, 'shutdown failed');
          process.exit(1);
        },
      );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));

  try {
    await starting;
  } catch (err) {
    logger.error({ err }, `${service} failed to start`);
    process.stderr.write(`${service} failed to start: ${(err as Error).message}\n`);
    process.exit(1);
  }
}

function warnDevSecret(logger: Logger, file: string): void {
  logger.warn({ file }, 'JWT_SECRET is not set: using a generated DEVELOPMENT secret; never use it in production');
  process.stderr.write(
    [
      '',
      '  *** DEVELOPMENT JWT SECRET IN USE ***',
      `  No JWT_SECRET or JWT_PUBLIC_KEY was set, so a secret was generated and kept in ${file}.`,
      '  Mint a token with:  npm run token -- --scope "recommendations:write recommendations:read rules:read reports:read"',
      '  (in the Docker image, which runs the compiled code: node dist/core/auth/token-cli.js --scope "...")',
      '  Set JWT_SECRET (32+ bytes) or JWT_PUBLIC_KEY before running this anywhere real.',
      '',
    ].join('\n') + '\n',
  );
}
