/**
 * The one error type of the service. `code` is stable and is what the HTTP
 * layer maps to a status; `message` is safe to show to a client.
 */
export type ErrorCode =
  | 'VALIDATION'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'IDEMPOTENCY_CONFLICT'
  /** Data the request depends on cannot be had (CDS Hooks: FHIR data neither prefetched nor readable). */
  | 'PRECONDITION_FAILED'
  | 'UNAVAILABLE'
  | 'INTERNAL';

export interface FieldProblem {
  path: string;
  message: string;
}

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly errors?: FieldProblem[],
    /** What went wrong underneath (logged, never shown to the client). */
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AppError';
  }
}

/**
 * Seconds a client is told to wait (`Retry-After`) before retrying a request
 * answered 503 UNAVAILABLE: about the time the MongoDB driver waits for a
 * server (SERVER_SELECTION_TIMEOUT_MS), long enough for a failover or a
 * restarted container to be back.
 */
export const RETRY_AFTER_SECONDS = 5;

/** Raised when configuration is unusable; the message is one line naming the variable. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`${variable}: ${problem}`);
    this.name = 'ConfigError';
  }
}
