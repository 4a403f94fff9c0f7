import type { IdempotencyClaim } from './store.js';

/**
 * What an Idempotency-Key already on record means for a new request. Both
 * adapters read the stored claim inside their create transaction and act on
 * this one decision, so replay/conflict/expiry behave identically.
 */
export type ClaimDecision =
  /** No usable claim: write the recommendation and claim the key. */
  | { kind: 'claim' }
  /** A claim exists but no longer counts: remove it, then claim as if absent. */
  | { kind: 'replace' }
  | { kind: 'replay'; recommendationId: string }
  | { kind: 'conflict' };

export interface StoredClaim {
  fingerprint: string;
  recommendationId: string;
  expiresAt: Date;
}

/** A claim is live while `now` is before its expiry. */
function isLive(expiresAt: Date, now: Date): boolean {
  return expiresAt.getTime() > now.getTime();
}

export function decideClaim(
  stored: StoredClaim | undefined,
  claim: IdempotencyClaim,
  now: Date,
): ClaimDecision {
  if (!stored) return { kind: 'claim' };
  if (!isLive(stored.expiresAt, now)) return { kind: 'replace' };
  if (stored.fingerprint !== claim.fingerprint) return { kind: 'conflict' };
  return { kind: 'replay', recommendationId: stored.recommendationId };
}
