import { randomInt, randomUUID } from 'node:crypto';
import { eventFor, patientKey, type Notification, type PatientId, type Recommendation } from '../../../core/domain/recommendation.js';
import type { AuditRecord, IdempotencyClaim, RecommendationStore } from '../../../core/store/store.js';

/** One adapter's data for the contract: opened once, shared by every group, never wiped. */
export interface StoreHarness {
  /** Opens a store over this harness's data; call again to reopen the same data. */
  open(): Promise<RecommendationStore>;
  dispose(): Promise<void>;
}

/**
 * What the contract's groups share. `store` is set by the contract's `before`,
 * so a group reads it from its own `before`, not when it is defined.
 */
export interface ContractContext {
  harness: StoreHarness;
  store: RecommendationStore;
}

export const HOUR = 3_600_000;

export function claim(overrides: Partial<IdempotencyClaim> = {}): IdempotencyClaim {
  const expiresAt = new Date(Date.now() + HOUR);
  return { subject: `sub-${randomUUID()}`, key: randomUUID(), fingerprint: 'fp-1', expiresAt, ...overrides };
}

export function audit(rec: Recommendation): AuditRecord {
  return {
    recommendationId: rec.id,
    patientId: rec.patient_id,
    recommendation: rec.recommendation,
    codes: rec.recommendations.map((r) => r.code),
    ruleset: rec.ruleset,
    decidedAt: rec.created_at,
    recordedAt: new Date().toISOString(),
  };
}

/** `n` consecutive `YYYY-MM-DD` days far from any other test's. */
export function uniqueDays(n: number): string[] {
  const start = Date.UTC(2100, 0, 1) + randomInt(0, 300_000) * 24 * HOUR;
  return Array.from({ length: n }, (_, i) => new Date(start + i * 24 * HOUR).toISOString().slice(0, 10));
}

/** A notification the way the worker leaves it once the channel confirmed: begun, then sent. */
export async function sendNotification(store: RecommendationStore, id: string, channel: string, sentAt: string): Promise<Notification> {
  await store.beginNotifications(id, [channel]);
  await store.markNotificationsSent(id, [{ channel, sentAt }]);
  return { channel, status: 'sent', sent_at: sentAt };
}

/** Shorthands over the shared store, resolved at call time (after the contract's `before`). */
export function contractOps(ctx: ContractContext) {
  return {
    create: (rec: Recommendation, idempotency?: IdempotencyClaim) =>
      ctx.store.createRecommendation(rec, eventFor(rec), idempotency),
    pendingIds: async () => (await ctx.store.pendingEvents(100_000)).map((e) => e.recommendationId),
    historyIds: async (id: PatientId) =>
      (await ctx.store.listPatientRecommendations(patientKey(id), 100)).items.map((r) => r.id),
  };
}
