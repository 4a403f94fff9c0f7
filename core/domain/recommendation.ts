/** Domain types shared by the API, the worker, the stores and the rules engine. */

/** As the client sent it: `123` and `"123"` name the same patient (see `patientKey`). */
export type PatientId = string | number;

export type ObservationValue = number | boolean | string;

/** The body of POST /evaluate after validation against openapi.yaml. */
export interface PatientInput {
  patient_id: PatientId;
  age: number;
  bmi?: number;
  height_cm?: number;
  weight_kg?: number;
  chronic_pain?: boolean;
  recent_surgery?: boolean;
  observations?: Record<string, ObservationValue>;
}

/** What the rules see: request fields with defaults applied and derived facts added. */
export interface PatientFacts {
  age: number;
  bmi?: number;
  height_cm?: number;
  weight_kg?: number;
  chronic_pain: boolean;
  recent_surgery: boolean;
  observations: Record<string, ObservationValue>;
}

export interface FiredRule {
  code: string;
  title: string;
  rule: string;
  priority: number;
  reasons: string[];
  /** The rule's own CDS Hooks card indicator, present only when the rule declares one. */
  indicator?: CardIndicator;
}

/** CDS Hooks card urgency, in increasing order. */
export type CardIndicator = 'info' | 'warning' | 'critical';

/**
 * Where a recommendation came from when it was not POST /evaluate: a CDS
 * Hooks call, with its hook and hookInstance, and the uuid of the card shown
 * for each fired rule (same order), so feedback on a card finds its code.
 */
export interface RecommendationOrigin {
  source: 'cds-hooks';
  hook: string;
  hook_instance: string;
  cards: Array<{ uuid: string; code: string }>;
}

/** Identifies the exact ruleset file that made a decision. */
export interface RulesetRef {
  name: string;
  version: string;
  /** `sha256:<hex>` of the file's bytes. */
  hash: string;
}

export interface Decision {
  ruleset: RulesetRef;
  /** Highest priority first. */
  recommendations: FiredRule[];
}

/** The channels a patient is told through, each once per recommendation. */
export const NOTIFICATION_CHANNELS = ['email', 'sms'] as const;
export type ChannelName = (typeof NOTIFICATION_CHANNELS)[number];

/**
 * `pending`: recorded, delivery not yet confirmed (in progress, or left by a
 * worker that died: the retry delivers it). `sent`: the channel confirmed;
 * final. `failed`: the last attempt failed; the queue's retry turns it back
 * to pending, and it stays failed once the event has used up its attempts.
 */
export type NotificationStatus = 'pending' | 'sent' | 'failed';

export interface Notification {
  channel: string;
  status: NotificationStatus;
  /** When the channel confirmed; null until then. */
  sent_at: string | null;
}

/**
 * The idempotency key of one delivery, the same on every retry, so a channel
 * (or an e-mail receiver, through the Message-ID) can ignore a repeat.
 */
export function notificationKey(recommendationId: string, channel: string): string {
  return `${recommendationId}:${channel}`;
}

export interface Recommendation {
  id: string;
  patient_id: PatientId;
  recommendation: string | null;
  recommendations: FiredRule[];
  ruleset: RulesetRef;
  created_at: string;
  notifications: Notification[];
  /** Absent for POST /evaluate. */
  origin?: RecommendationOrigin;
}

/** The queue message, exactly as DESIGN.md fixes it. */
export interface RecommendationEvent {
  patient_id: PatientId;
  recommendation_id: string;
  recommendation: string | null;
  recommendations: string[];
  ruleset_version: string;
  timestamp: string;
}

/**
 * A deep copy of an event, which is flat but for its array of codes. The
 * in-process queue copies each event three times (as published, per
 * delivery, to confirm it); structuredClone took 2.5 µs a copy, this 0.1 µs.
 */
export function copyEvent(event: RecommendationEvent): RecommendationEvent {
  return { ...event, recommendations: [...event.recommendations] };
}

/** Store-wide identity of a patient, whatever JSON type the client used. */
export function patientKey(id: PatientId): string {
  return String(id);
}

export function eventFor(rec: Recommendation): RecommendationEvent {
  return {
    patient_id: rec.patient_id,
    recommendation_id: rec.id,
    recommendation: rec.recommendation,
    recommendations: rec.recommendations.map((r) => r.code),
    ruleset_version: rec.ruleset.version,
    timestamp: rec.created_at,
  };
}
