import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json.js';

/** Idempotency keys are kept this long, as DESIGN.md promises clients. */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

/** Same fingerprint for the same JSON whatever the key order, so a retry matches its original. */
export function fingerprint(body: unknown): string {
  return createHash('sha256').update(canonicalJson(body)).digest('hex');
}
