import type { Logger } from '../../core/platform/logger.js';
import type { DeliveryLog } from '../delivery-log.js';
import { messageText, type NotificationChannel } from './channel.js';

export interface SimulatedChannelOptions {
  name: string;
  /** `notifications-<name>.jsonl` in DATA_DIR: what the patient "received". */
  outbox: DeliveryLog;
  logger: Logger;
  /** Latency of the simulated delivery (tests use it to kill a worker mid-delivery). */
  delayMs?: number;
}

/**
 * A channel with no provider behind it: a delivery is one line in its
 * outbox file, written once per key, whoever asks and however often.
 */
export function simulatedChannel(options: SimulatedChannelOptions): NotificationChannel {
  const { name, outbox, logger, delayMs = 0 } = options;
  return {
    name,
    async deliver(delivery) {
      const ids = { recommendation_id: delivery.recommendationId, channel: name, key: delivery.key };
      if ((await outbox.find(delivery.key)) === undefined) {
        if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
        const at = new Date().toISOString();
        const written = await outbox.append({ key: delivery.key, at, to: delivery.patientId, text: messageText(delivery) });
        if (written) {
          logger.info(ids, 'patient notified (simulated)');
          return { duplicate: false };
        }
      }
      logger.info(ids, 'notification already delivered; repeat ignored');
      return { duplicate: true };
    },
    close: () => outbox.close(),
  };
}
