import type { ErrorRequestHandler, Response } from 'express';
import { AppError, RETRY_AFTER_SECONDS, type ErrorCode, type FieldProblem } from '../core/platform/errors.js';
import type { Logger } from '../core/platform/logger.js';

/** RFC 9457 problem details; the only error body this API sends. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  request_id?: string;
  errors?: FieldProblem[];
}

const BY_CODE: Record<ErrorCode, { status: number; slug: string; title: string }> = {
  VALIDATION: { status: 400, slug: 'validation-error', title: 'Invalid request' },
  UNAUTHENTICATED: { status: 401, slug: 'unauthenticated', title: 'Authentication required' },
  FORBIDDEN: { status: 403, slug: 'forbidden', title: 'Insufficient scope' },
  NOT_FOUND: { status: 404, slug: 'not-found', title: 'Not found' },
  IDEMPOTENCY_CONFLICT: { status: 422, slug: 'idempotency-key-reused', title: 'Idempotency-Key reused with a different body' },
  PRECONDITION_FAILED: { status: 412, slug: 'precondition-failed', title: 'Required data unavailable' },
  UNAVAILABLE: { status: 503, slug: 'unavailable', title: 'Service unavailable' },
  INTERNAL: { status: 500, slug: 'internal-error', title: 'Internal server error' },
};

const BY_STATUS: Record<number, { slug: string; title: string }> = {
  400: { slug: 'validation-error', title: 'Invalid request' },
  404: { slug: 'not-found', title: 'Not found' },
  405: { slug: 'method-not-allowed', title: 'Method not allowed' },
  406: { slug: 'not-acceptable', title: 'Not acceptable' },
  413: { slug: 'payload-too-large', title: 'Request body too large' },
  415: { slug: 'unsupported-media-type', title: 'Unsupported media type' },
};

export function sendProblem(res: Response, problem: Omit<Problem, 'type' | 'title'> & Partial<Problem>): void {
  const known = BY_STATUS[problem.status];
  const body: Problem = {
    type: problem.type ?? `/problems/${known?.slug ?? 'error'}`,
    title: problem.title ?? known?.title ?? 'Error',
    status: problem.status,
    ...(problem.detail !== undefined ? { detail: problem.detail } : {}),
    request_id: res.locals.requestId as string | undefined,
    ...(problem.errors !== undefined ? { errors: problem.errors } : {}),
  };
  res.status(problem.status).type('application/problem+json').send(JSON.stringify(body));
}

/** Errors raised by body-parser (malformed JSON, too large) carry a status. */
interface HttpLikeError {
  status?: number;
  statusCode?: number;
  type?: string;
  message?: string;
  /** body-parser's limit in bytes, on its 413. */
  limit?: number;
  errors?: Array<{ path?: string; message?: string }>;
}

export function problemHandler(log: Logger): ErrorRequestHandler {
  return (err: unknown, _req, res, next) => {
    if (res.headersSent) return next(err);
    if (err instanceof AppError) {
      const mapped = BY_CODE[err.code];
      if (err.code === 'UNAUTHENTICATED') res.setHeader('WWW-Authenticate', 'Bearer error="invalid_token"');
      if (err.code === 'FORBIDDEN') res.setHeader('WWW-Authenticate', 'Bearer error="insufficient_scope"');
      // A store or another dependency that cannot serve now (DESIGN.md: 503 with Retry-After, never 500).
      if (err.code === 'UNAVAILABLE') res.setHeader('Retry-After', String(RETRY_AFTER_SECONDS));
      if (mapped.status >= 500) log.error({ err, ...(err.cause instanceof Error ? { cause: err.cause.message } : {}) }, 'request failed');
      return sendProblem(res, { ...mapped, type: `/problems/${mapped.slug}`, detail: err.message, ...(err.errors ? { errors: err.errors } : {}) });
    }
    const httpErr = (typeof err === 'object' && err !== null ? err : {}) as HttpLikeError;
    const status = httpErr.status ?? httpErr.statusCode;
    if (status !== undefined && status >= 400 && status < 500) {
      return sendProblem(res, { status, detail: clientDetail(httpErr), ...fieldErrors(httpErr) });
    }
    log.error({ err }, 'unhandled error');
    sendProblem(res, { status: 500, type: '/problems/internal-error', title: 'Internal server error', detail: 'The request could not be completed; quote the request id when reporting this.' });
  };
}

function clientDetail(err: HttpLikeError): string {
  switch (err.type) {
    case 'entity.parse.failed':
      return 'the body is not valid JSON';
    case 'entity.too.large':
      // The limit of the parser that refused it: 64 KiB, 1 MiB for a CDS Hooks call, RULES_MAX_FILE_BYTES for /rules/impact.
      return `the body is larger than ${(err.limit ?? 64 * 1024) / 1024} KiB`;
    default:
      return err.message ?? 'the request is not acceptable';
  }
}

function fieldErrors(err: HttpLikeError): { errors?: FieldProblem[] } {
  if (!Array.isArray(err.errors) || err.errors.length === 0) return {};
  return { errors: err.errors.map((e) => ({ path: e.path ?? '', message: e.message ?? 'is invalid' })) };
}
