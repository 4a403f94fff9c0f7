import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import { sendProblem } from './problem.js';
import { CDS_HOOK_BODY_LIMIT_BYTES, CDS_HOOK_PATH } from './routes/cds-hooks-limits.js';
import { RULES_IMPACT_PATH } from './routes/rules-impact.js';

/** The largest request body the service reads: 64 KiB (DESIGN, POST /evaluate). */
const BODY_LIMIT_BYTES = 64 * 1024;

/** Routes with their own limit: a CDS Hooks call carries FHIR resources (1 MiB). */
const LIMITS: Readonly<Record<string, number>> = { [CDS_HOOK_PATH]: CDS_HOOK_BODY_LIMIT_BYTES };
/** The body limit of a route (its express path, or a request's path): what both the counters here and its JSON parser enforce. */
export const limitOf = (path: string): number => LIMITS[path] ?? BODY_LIMIT_BYTES;

/**
 * 413 from the declared `Content-Length`, before a byte of the body is read,
 * on every route; the connection is closed after the answer, so the client
 * cannot keep it busy by sending the rest slowly.
 */
export const rejectDeclaredOversize = (rulesMaxFileBytes: number): RequestHandler => (req, res, next) => {
  const declared = req.headers['content-length'];
  if (declared === undefined) return next();
  // A candidate ruleset (POST /rules/impact) has its own, larger limit: RULES_MAX_FILE_BYTES.
  const limit = req.path === RULES_IMPACT_PATH ? rulesMaxFileBytes : limitOf(req.path);
  if (Number(declared) > limit) return tooLarge(res, limit);
  next();
};

/**
 * For a body without a declared length (chunked): body-parser answers its 413
 * only once the client has sent everything (it drains the request first), so
 * an endless or slow body would hold the connection. Count the bytes as they
 * arrive and answer at once. Placed right before the JSON parser, with that
 * parser's limit: both then listen from the first chunk on.
 */
export const limitStreamedBody = (limit: number): RequestHandler => (req, res, next) => {
  if (req.headers['content-length'] === undefined) {
    let received = 0;
    const count = (chunk: Buffer) => {
      received += chunk.length;
      if (received <= limit) return;
      req.off('data', count);
      if (!res.headersSent) tooLarge(res, limit);
    };
    req.on('data', count);
  }
  next();
};

/**
 * body-parser's own 413 (a compressed body that inflates past the limit)
 * closes the connection too. When `limitStreamedBody` has answered already,
 * body-parser's late error has nothing left to say.
 */
export const closeAfterTooLarge: ErrorRequestHandler = (err: unknown, _req, res, next) => {
  if ((err as { type?: unknown } | null)?.type !== 'entity.too.large') return next(err);
  if (res.headersSent) return;
  res.setHeader('Connection', 'close');
  next(err);
};

function tooLarge(res: Response, limit: number): void {
  // Node ends the socket once a response that says `Connection: close` is written.
  res.setHeader('Connection', 'close');
  sendProblem(res, { status: 413, detail: `the body is larger than ${limit / 1024} KiB` });
}
