import { AppError } from '../platform/errors.js';
import type { HistoryPosition } from './store.js';

/**
 * The `cursor` of GET /patients/{id}/recommendations: an opaque token that
 * carries the keyset position (created_at, id) of the last item served.
 * Clients must not build or parse it, so its shape can change; anything we
 * did not produce is rejected as a validation error, never passed to a store.
 */

/** Far above any cursor we issue; bounds the work spent on hostile input. */
const MAX_CURSOR_LENGTH = 512;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?Z$/;
const RECORD_ID = /^[A-Za-z0-9._:-]{1,128}$/;

interface CursorBody {
  t: string;
  i: string;
}

export function encodeCursor(pos: HistoryPosition): string {
  const body: CursorBody = { t: pos.createdAt, i: pos.id };
  return Buffer.from(JSON.stringify(body), 'utf8').toString('base64url');
}

export function decodeCursor(s: string): HistoryPosition {
  if (typeof s !== 'string' || s.length === 0 || s.length > MAX_CURSOR_LENGTH || !BASE64URL.test(s)) {
    throw invalidCursor();
  }
  const body = parseJson(Buffer.from(s, 'base64url').toString('utf8'));
  if (!isCursorBody(body)) throw invalidCursor();
  return { createdAt: body.t, id: body.i };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw invalidCursor();
  }
}

function isCursorBody(value: unknown): value is CursorBody {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  if (keys.length !== 2) return false;
  const { t, i } = value as Record<string, unknown>;
  return (
    typeof t === 'string' &&
    ISO_INSTANT.test(t) &&
    !Number.isNaN(Date.parse(t)) &&
    typeof i === 'string' &&
    RECORD_ID.test(i)
  );
}

function invalidCursor(): AppError {
  return new AppError('VALIDATION', 'cursor is not valid', [
    { path: '/query/cursor', message: 'not a cursor returned by this API' },
  ]);
}
