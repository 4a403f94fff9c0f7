import Database from 'better-sqlite3';
import {
  MongoClientClosedError,
  MongoError,
  MongoErrorLabel,
  MongoNetworkError,
  MongoNotConnectedError,
  MongoOperationTimeoutError,
  MongoServerClosedError,
  MongoServerSelectionError,
  MongoTopologyClosedError,
} from 'mongodb';
import { AppError } from '../platform/errors.js';

/**
 * "The store cannot serve now" as the port's callers see it: an AppError
 * UNAVAILABLE (503 problem+json with Retry-After from the API, DESIGN.md),
 * never a driver error that would surface as 500. The adapters' own errors
 * are recognised here, by driver class, code and label; anything else (a
 * bug, a constraint the code did not expect) passes through unchanged.
 */

/**
 * SQLite result codes (extended codes share the prefix) meaning the file or
 * its disk cannot be used: I/O errors, a file that cannot be opened, a full
 * disk, a lock not released within busy_timeout, a file or mount that became
 * read-only, a damaged file.
 */
const SQLITE_UNAVAILABLE = /^SQLITE_(IOERR|CANTOPEN|FULL|BUSY|LOCKED|READONLY|PROTOCOL|NOLFS|NOMEM|CORRUPT|NOTADB)/;

/**
 * MongoDB server codes that a request still sees once the driver's own
 * retry is spent: no primary (election, shutdown), the network between
 * servers, a time limit, a write concern that could not be satisfied, a
 * write conflict that withTransaction's retries did not get past.
 */
const MONGO_UNAVAILABLE_CODES = new Set([
  6, // HostUnreachable
  7, // HostNotFound
  50, // MaxTimeMSExpired
  64, // WriteConcernTimeout (WriteConcernFailed before 8.1)
  89, // NetworkTimeout
  91, // ShutdownInProgress
  112, // WriteConflict
  133, // FailedToSatisfyReadPreference
  134, // ReadConcernMajorityNotAvailableYet
  189, // PrimarySteppedDown
  262, // ExceededTimeLimit
  9001, // SocketException
  10058, // LegacyNotPrimary
  10107, // NotWritablePrimary
  11600, // InterruptedAtShutdown
  11602, // InterruptedDueToReplStateChange
  13435, // NotPrimaryNoSecondaryOk
  13436, // NotPrimaryOrSecondary
]);

/** Labels the driver puts on errors it would retry: seen here, its retry failed too. */
const MONGO_UNAVAILABLE_LABELS = [
  MongoErrorLabel.RetryableWriteError,
  MongoErrorLabel.TransientTransactionError,
  MongoErrorLabel.UnknownTransactionCommitResult,
  MongoErrorLabel.PoolRequestedRetry,
  MongoErrorLabel.RetryableError,
  MongoErrorLabel.SystemOverloadedError,
];

/** Why `err` means the store cannot serve now, or undefined when it is another kind of error. */
export function storeUnavailableReason(err: unknown): string | undefined {
  if (err instanceof AppError) return err.code === 'UNAVAILABLE' ? err.message : undefined;
  if (err instanceof Database.SqliteError) return SQLITE_UNAVAILABLE.test(err.code) ? `sqlite ${err.code}` : undefined;
  // better-sqlite3's own check on a closed connection.
  if (err instanceof TypeError && /database connection is not open/i.test(err.message)) return 'sqlite: the connection is closed';
  if (
    err instanceof MongoServerSelectionError ||
    err instanceof MongoNetworkError ||
    err instanceof MongoNotConnectedError ||
    err instanceof MongoTopologyClosedError ||
    err instanceof MongoClientClosedError ||
    err instanceof MongoServerClosedError ||
    err instanceof MongoOperationTimeoutError
  ) {
    return `mongodb ${err.name}`;
  }
  if (err instanceof MongoError) {
    if (typeof err.code === 'number' && MONGO_UNAVAILABLE_CODES.has(err.code)) return `mongodb ${err.name} code ${err.code}`;
    const label = MONGO_UNAVAILABLE_LABELS.find((l) => err.hasErrorLabel(l));
    if (label) return `mongodb ${err.name} (${label})`;
  }
  return undefined;
}

/** The error callers should see: UNAVAILABLE (with the original as its cause) when the store cannot serve, else `err`. */
export function asStoreError(err: unknown): unknown {
  if (err instanceof AppError) return err;
  const reason = storeUnavailableReason(err);
  return reason === undefined ? err : new AppError('UNAVAILABLE', `the store is unavailable (${reason}); retry later`, undefined, { cause: err });
}

/**
 * The same store, each method's failure passed through `asStoreError`: what
 * the composition roots hand to the API and the worker (core/adapters.ts).
 * Methods keep their own error handling (a duplicate key they expect is
 * still theirs to catch); only what escapes them is translated, including
 * what an async iterable they return throws while it is read.
 */
export function guardStore<T extends object>(store: T): T {
  // One wrapper per method, made on first use: not a new closure on every call.
  const wrappers = new Map<PropertyKey, { of: unknown; guarded: (...args: unknown[]) => unknown }>();
  return new Proxy(store, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      const known = wrappers.get(property);
      if (known?.of === value) return known.guarded;
      const guarded = (...args: unknown[]): unknown => {
        let result: unknown;
        try {
          result = (value as (...a: unknown[]) => unknown).apply(target, args);
        } catch (err) {
          throw asStoreError(err);
        }
        if (result instanceof Promise) return result.catch((err: unknown) => Promise.reject(asStoreError(err)));
        return isAsyncIterable(result) ? guardIterable(result) : result;
      };
      wrappers.set(property, { of: value, guarded });
      return guarded;
    },
  });
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}

/** A batch read mid-iteration (iterateDecisions) fails like any other call. */
async function* guardIterable<T>(iterable: AsyncIterable<T>): AsyncGenerator<T> {
  try {
    yield* iterable;
  } catch (err) {
    throw asStoreError(err);
  }
}
