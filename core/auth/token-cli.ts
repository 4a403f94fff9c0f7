import { parseArgs } from 'node:util';
import { loadConfig } from '../platform/config.js';
import { ConfigError } from '../platform/errors.js';
import { resolveJwt } from './dev-secret.js';
import { signToken } from './sign-token.js';

/** `npm run token -- --scope "recommendations:write recommendations:read"` prints a bearer token. */
const ALL_SCOPES = 'recommendations:write recommendations:read rules:read reports:read';

function main(): number {
  let args;
  try {
    args = parseArgs({
      options: {
        scope: { type: 'string', default: ALL_SCOPES },
        sub: { type: 'string', default: 'cli-user' },
        patient: { type: 'string' },
        'expires-in': { type: 'string', default: '3600' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }).values;
  } catch (err) {
    console.error((err as Error).message);
    return 2;
  }
  if (args.help) {
    console.log(`usage: npm run token -- [--scope "${ALL_SCOPES}"] [--sub cli-user] [--patient <patient id>] [--expires-in 3600]`);
    return 0;
  }
  if (args.sub.trim() === '') {
    console.error('--sub must not be empty: every token names its subject');
    return 2;
  }
  if (args.patient !== undefined && !/^[A-Za-z0-9._:-]{1,64}$/.test(args.patient)) {
    console.error('--patient must be a patient id (1-64 of A-Za-z0-9._:-)');
    return 2;
  }
  const expiresIn = Number(args['expires-in']);
  if (!Number.isInteger(expiresIn) || expiresIn <= 0) {
    console.error('--expires-in must be a positive number of seconds');
    return 2;
  }
  try {
    const { config } = resolveJwt(loadConfig(process.env));
    console.log(signToken(config.jwt, { scopes: args.scope.split(' ').filter(Boolean), subject: args.sub, expiresInSeconds: expiresIn, ...(args.patient !== undefined ? { patient: args.patient } : {}) }));
    return 0;
  } catch (err) {
    console.error(err instanceof ConfigError ? err.message : `cannot mint a token: ${(err as Error).message}`);
    return 1;
  }
}

process.exitCode = main();
