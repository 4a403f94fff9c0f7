import path from 'node:path';
import type { Logger } from '../../core/platform/logger.js';
import { openDeliveryLog, type DeliveryLog } from '../delivery-log.js';
import type { NotificationChannel } from './channel.js';
import { simulatedChannel } from './simulated.js';
import { smtpEmail } from './smtp-email.js';

export interface NotificationOptions {
  dataDir: string;
  /** E-mail over SMTP when set, else simulated. */
  smtpUrl?: string;
  /** Latency of the simulated channels. */
  delayMs: number;
  /** Other worker processes use the same DATA_DIR (a Redis queue): the files are read for their keys too. */
  shared: boolean;
  logger: Logger;
}

/** The worker's channels (`email`, `sms`) and its log of confirmed deliveries. */
export interface Notifications {
  channels: NotificationChannel[];
  deliveryLog: DeliveryLog;
  close(): Promise<void>;
}

export const DELIVERY_LOG_FILE = 'deliveries.jsonl';

/** Where a simulated channel writes what it "sent". */
export function outboxFile(dataDir: string, channel: string): string {
  return path.join(dataDir, `notifications-${channel}.jsonl`);
}

export async function openNotifications(options: NotificationOptions): Promise<Notifications> {
  const { dataDir, smtpUrl, delayMs, logger, shared } = options;
  const simulated = async (name: string) =>
    simulatedChannel({ name, outbox: await openDeliveryLog(outboxFile(dataDir, name), { shared }), logger, delayMs });
  const channels = [smtpUrl ? smtpEmail(smtpUrl, logger) : await simulated('email'), await simulated('sms')];
  const deliveryLog = await openDeliveryLog(path.join(dataDir, DELIVERY_LOG_FILE), { shared });
  return {
    channels,
    deliveryLog,
    async close() {
      await Promise.all(channels.map((channel) => channel.close()));
      await deliveryLog.close();
    },
  };
}
