import { createHash } from 'node:crypto';

/** Idempotency keys are kept this long, as DESIGN.md promises clients. */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

/** Same fingerprint for the same JSON whatever the key order, so a retry matches its original. */
export function fingerprint(body: unknown): string {
  return createHash('sha256').update(canonicalJson(body)).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value);
}
