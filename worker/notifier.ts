import type { Logger } from '../core/platform/logger.js';
import type { Notification, RecommendationEvent } from '../core/domain/recommendation.js';

/** One way of telling a patient about a recommendation. */
export interface NotificationChannel {
  channel: string;
  /** Delivers the message; the caller guarantees at most one call per recommendation. */
  deliver(event: RecommendationEvent, notification: Notification): Promise<void>;
}

/**
 * Simulated e-mail: logs that a message went out, without the patient's data
 * (the audit record is where that belongs).
 */
export function simulatedEmail(logger: Logger, delayMs = 0): NotificationChannel {
  return {
    channel: 'email',
    async deliver(event) {
      if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
      logger.info({ recommendation_id: event.recommendation_id, channel: 'email' }, 'patient notified (simulated)');
    },
  };
}
