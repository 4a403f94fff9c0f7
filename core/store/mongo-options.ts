import type { MongoClientOptions } from 'mongodb';
import { ConfigError } from '../platform/errors.js';

/**
 * How the MongoDB store connects: the database named in MONGODB_URI, and
 * timeouts short enough that an unreachable server is an error within
 * seconds (503 from the API), not after the driver's 30 s defaults.
 */

/**
 * Wait at most this long for a server an operation can use (the driver's
 * default is 30 s). A replica set election takes a few seconds and the
 * driver retries reads and writes once, so a failover still goes unnoticed.
 */
export const SERVER_SELECTION_TIMEOUT_MS = 5000;
/** TCP + TLS + handshake of one new connection (the driver's default is 30 s). */
export const CONNECT_TIMEOUT_MS = 5000;

const DEFAULTS = {
  serverSelectionTimeoutMS: SERVER_SELECTION_TIMEOUT_MS,
  connectTimeoutMS: CONNECT_TIMEOUT_MS,
} as const;

export interface MongoTarget {
  dbName: string;
  options: MongoClientOptions;
}

/**
 * The database comes from the URI's path (`mongodb://host/clinical?...`) and
 * is required: without it the driver would write to a database named `test`.
 * `dbName` (tests) replaces it. Programmatic options take precedence over the
 * URI's in the driver, so a default is set only where the URI names no value
 * of its own: `?serverSelectionTimeoutMS=...` in MONGODB_URI still wins.
 */
export function mongoTarget(uri: string, dbName?: string): MongoTarget {
  const { database, optionNames } = parseMongoUri(uri);
  const name = dbName ?? database;
  if (!name) {
    throw new ConfigError(
      'MONGODB_URI',
      'names no database; put one in the path, e.g. mongodb://mongo:27017/clinical?replicaSet=rs0',
    );
  }
  const options: MongoClientOptions = { appName: 'clinical-recommendations' };
  for (const [key, value] of Object.entries(DEFAULTS)) {
    if (!optionNames.has(key.toLowerCase())) Object.assign(options, { [key]: value });
  }
  return { dbName: name, options };
}

/**
 * The parts of a connection string the store needs: the database (decoded;
 * '' when absent) and the lower-cased names of its options. Hosts may be a
 * list (`h1:27017,h2:27017`), which WHATWG URL does not parse, so this splits
 * by hand: credentials and names are percent-encoded, per the URI format.
 */
function parseMongoUri(uri: string): { database: string; optionNames: Set<string> } {
  const { path, query } = splitMongoUri(uri);
  const database = path === undefined ? '' : decodeURIComponent(path);
  const optionNames = new Set(
    query
      .split('&')
      .filter(Boolean)
      .map((pair) => decodeURIComponent(pair.split('=')[0] ?? '').toLowerCase()),
  );
  return { database, optionNames };
}

/** The same URI naming another database (tests give each service its own). */
export function withDatabase(uri: string, database: string): string {
  const { scheme, hosts, query } = splitMongoUri(uri);
  return `${scheme}${hosts}/${encodeURIComponent(database)}${query === '' ? '' : `?${query}`}`;
}

/** `scheme://hosts/path?query`, split by hand (see parseMongoUri); path is undefined without a '/', query '' without a '?'. */
function splitMongoUri(uri: string): { scheme: string; hosts: string; path: string | undefined; query: string } {
  const scheme = /^mongodb(\+srv)?:\/\//.exec(uri);
  if (!scheme) throw new ConfigError('MONGODB_URI', 'must start with mongodb:// or mongodb+srv://');
  const rest = uri.slice(scheme[0].length);
  const queryAt = rest.indexOf('?');
  const beforeQuery = queryAt === -1 ? rest : rest.slice(0, queryAt);
  const query = queryAt === -1 ? '' : rest.slice(queryAt + 1);
  const pathAt = beforeQuery.indexOf('/');
  return {
    scheme: scheme[0],
    hosts: pathAt === -1 ? beforeQuery : beforeQuery.slice(0, pathAt),
    path: pathAt === -1 ? undefined : beforeQuery.slice(pathAt + 1),
    query,
  };
}
