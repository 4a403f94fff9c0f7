import type { Notification, PatientFacts, Recommendation, RecommendationEvent } from '../domain/recommendation.js';
import type { RecommendationRecord } from './recommendation-record.js';

/**
 * The persistence port. Adapters: `store-sqlite.ts` (embedded) and
 * `store-mongo.ts` (production). `test/helpers/store-contract/` defines the
 * behaviour once and runs against every adapter.
 */

/** Scopes an Idempotency-Key to the token subject that used it. */
export interface IdempotencyClaim {
  subject: string;
  key: string;
  /** Fingerprint of the request body: same key + other body is a conflict. */
  fingerprint: string;
  expiresAt: Date;
}

/** A stored decision as impact analysis replays it. */
export interface ReplayableDecision {
  id: string;
  createdAt: string;
  /** The codes that fired, highest priority first. */
  codes: string[];
  /** Absent for decisions stored before facts were kept. */
  facts?: PatientFacts;
}

export type CreateResult =
  | { outcome: 'created'; recommendation: Recommendation }
  | { outcome: 'replayed'; recommendation: Recommendation }
  | { outcome: 'conflict' };

export interface PendingEvent {
  recommendationId: string;
  event: RecommendationEvent;
  attempts: number;
}

export interface HistoryPage {
  items: Recommendation[];
  /** Position after the last item; absent on the last page. */
  next?: HistoryPosition;
}

/** Keyset position in a patient's history (newest first). */
export interface HistoryPosition {
  createdAt: string;
  id: string;
}

export interface AuditRecord {
  recommendationId: string;
  patientId: Recommendation['patient_id'];
  recommendation: string | null;
  codes: string[];
  ruleset: Recommendation['ruleset'];
  decidedAt: string;
  recordedAt: string;
}

export interface ReportDay {
  date: string;
  total: number;
  by_code: Record<string, number>;
  /** How many of the day's recommendations each ruleset version decided. */
  by_ruleset_version: Record<string, number>;
}

export interface ReportSummary {
  from?: string;
  to?: string;
  total: number;
  by_code: Record<string, number>;
  by_ruleset_version: Record<string, number>;
  daily: ReportDay[];
}

/** One CDS Hooks feedback item as stored (the card's code is looked up from its uuid). */
export interface CardFeedback {
  card: string;
  outcome: 'accepted' | 'overridden';
  /** ISO-8601 UTC. */
  outcomeAt: string;
  overrideReason?: unknown;
  acceptedSuggestions?: unknown;
  recordedAt: string;
}

export type FeedbackByCode = Record<string, { accepted: number; overridden: number }>;

export interface RecommendationStore {
  /**
   * Stores the recommendation and its pending event atomically. With an
   * idempotency claim, a live claim with the same fingerprint replays the
   * original recommendation and one with another fingerprint is a conflict;
   * nothing new is written in either case.
   */
  createRecommendation(
    recommendation: Recommendation,
    event: RecommendationEvent,
    idempotency?: IdempotencyClaim,
    /** The facts it was decided on, kept with it (never returned by reads) so it can be replayed. */
    facts?: PatientFacts,
  ): Promise<CreateResult>;

  /**
   * Every stored decision created at or after `since` (ISO-8601), oldest
   * first, read in batches so memory stays flat however many there are.
   * For impact analysis: a decision stored without facts cannot be replayed.
   */
  iterateDecisions(since?: string): AsyncIterable<ReplayableDecision>;

  /** With its notifications; undefined when unknown. */
  getRecommendation(id: string): Promise<Recommendation | undefined>;
  /**
   * The recommendation as decided and stored, without its notifications:
   * what the worker needs, in one query. Undefined when unknown.
   */
  getRecord(id: string): Promise<RecommendationRecord | undefined>;

  /** Newest first; `patientKey` is `patientKey(patient_id)`. */
  listPatientRecommendations(
    patientKey: string,
    limit: number,
    after?: HistoryPosition,
  ): Promise<HistoryPage>;

  /** Events not yet confirmed as published, oldest first. */
  pendingEvents(limit: number): Promise<PendingEvent[]>;
  markEventPublished(recommendationId: string): Promise<void>;
  /** Counts a failed publish attempt (for metrics and backoff). */
  markEventPublishFailed(recommendationId: string): Promise<void>;
  countPendingEvents(): Promise<number>;

  /** Worker task: true when written now, false when it already existed. */
  recordAudit(audit: AuditRecord): Promise<boolean>;
  getAudit(recommendationId: string): Promise<AuditRecord | undefined>;

  /**
   * Worker task, before delivering: records each channel's notification as
   * `pending` unless it exists, and turns a `failed` one back to `pending`,
   * for every channel before any is delivered (SQLite: one transaction).
   * Returns what is stored, in the order asked: `sent` means nothing is left
   * to deliver; `pending` means deliver (again, with the same key: a worker
   * may have died mid-delivery).
   */
  beginNotifications(recommendationId: string, channels: readonly string[]): Promise<Notification[]>;
  /**
   * After the channels confirmed: each `sent` with its time, in one write. A
   * notification already sent keeps its first time.
   */
  markNotificationsSent(recommendationId: string, sent: ReadonlyArray<{ channel: string; sentAt: string }>): Promise<void>;
  /** After a failed delivery: `pending` becomes `failed`; `sent` never changes. */
  markNotificationFailed(recommendationId: string, channel: string): Promise<void>;

  /** Worker task: counts a recommendation (its codes and the ruleset version that decided it) in the daily report once, ever. */
  countInReport(recommendationId: string, date: string, codes: string[], rulesetVersion: string): Promise<boolean>;
  /** Dates are `YYYY-MM-DD`, inclusive. */
  reportSummary(from?: string, to?: string): Promise<ReportSummary>;

  /**
   * CDS Hooks feedback, all or nothing: when any card uuid is unknown,
   * nothing is stored and those uuids are returned. The same card, outcome
   * and outcome time sent again is stored once. With `patientKey`, a card
   * of another patient counts as unknown (a patient-scoped token).
   */
  recordCardFeedback(items: CardFeedback[], patientKey?: string): Promise<{ unknownCards: string[] }>;
  /** Per code, the cards accepted and overridden, by the UTC date of the outcome (`YYYY-MM-DD`, inclusive). */
  cardFeedbackSummary(from?: string, to?: string): Promise<FeedbackByCode>;

  /** Removes idempotency claims that expired before `now`. */
  purgeExpiredIdempotencyKeys(now: Date): Promise<number>;

  ping(): Promise<void>;
  close(): Promise<void>;
}
