import type { PatientId } from '../../core/domain/recommendation.js';

/**
 * One delivery of a patient notification. `key` is its idempotency key,
 * `<recommendation_id>:<channel>`: the same on every retry, so whatever
 * receives it can tell a repeat from a new message.
 */
export interface Delivery {
  key: string;
  recommendationId: string;
  channel: string;
  /** The recipient; it goes into the message, never into application logs. */
  patientId: PatientId;
  /** What fired, highest priority first; empty when no rule fired. */
  titles: string[];
}

export interface DeliveryReceipt {
  /** True when the channel had this key already and sent nothing now. */
  duplicate: boolean;
}

/** One way of telling a patient about a recommendation. */
export interface NotificationChannel {
  readonly name: string;
  /** Resolves once the channel has confirmed the delivery; rejects when it has not. */
  deliver(delivery: Delivery): Promise<DeliveryReceipt>;
  close(): Promise<void>;
}

/** The text a patient receives, whatever the channel. */
export function messageText(delivery: Delivery): string {
  if (delivery.titles.length === 0) return 'Your latest health data was reviewed: there is no new recommendation for you.';
  return `Your care team has a new recommendation for you: ${delivery.titles.join('; ')}.`;
}
