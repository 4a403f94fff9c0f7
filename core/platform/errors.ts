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
  ) {
    super(message);
    this.name = 'AppError';
  }
}

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
