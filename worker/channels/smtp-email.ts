import nodemailer from 'nodemailer';
import type { Logger } from '../../core/platform/logger.js';
import { messageText, type Delivery, type NotificationChannel } from './channel.js';

const SENDER = 'Clinical recommendations <no-reply@clinical-recommendations.invalid>';
const MESSAGE_ID_DOMAIN = 'clinical-recommendations';

/**
 * The Message-ID of a delivery, built from its idempotency key so that a
 * receiver can drop a repeat (a worker that died after the server accepted
 * the message, before it could record `sent`, sends it again). A colon is
 * not allowed left of the `@`, so `<id>:<channel>` becomes `<id>.<channel>`.
 */
export function messageIdFor(key: string): string {
  return `<${key.replace(/[^A-Za-z0-9.-]/g, '.')}@${MESSAGE_ID_DOMAIN}>`;
}

/**
 * The service holds no contact details, so the address is a placeholder
 * derived from the patient (an EHR integration would supply the real one).
 */
function recipientFor(delivery: Delivery): string {
  return `patient-${String(delivery.patientId).replace(/[^A-Za-z0-9]/g, '-')}@patients.invalid`;
}

/**
 * E-mail over SMTP (`SMTP_URL`), pooled. A delivery is confirmed when the
 * server has accepted the message (250 after DATA). An SMTP error is
 * rethrown without the server's text, which may quote the recipient.
 */
export function smtpEmail(url: string, logger: Logger): NotificationChannel {
  const transport = nodemailer.createTransport({
    url,
    pool: true,
    maxConnections: 5,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
    // No nodemailer logging: it would write addresses and message bodies.
    logger: false,
    disableFileAccess: true,
    disableUrlAccess: true,
  });
  return {
    name: 'email',
    async deliver(delivery) {
      try {
        await transport.sendMail({
          from: SENDER,
          to: recipientFor(delivery),
          subject: 'Your care recommendation',
          text: messageText(delivery),
          messageId: messageIdFor(delivery.key),
          headers: { 'X-Idempotency-Key': delivery.key },
        });
      } catch (err) {
        throw new SmtpDeliveryError(err);
      }
      logger.info({ recommendation_id: delivery.recommendationId, channel: 'email', key: delivery.key }, 'patient notified by e-mail');
      return { duplicate: false };
    },
    async close() {
      transport.close();
    },
  };
}

/** Names what failed (code and SMTP status), never what the server said about the message. */
class SmtpDeliveryError extends Error {
  constructor(cause: unknown) {
    const fields = (cause ?? {}) as { code?: unknown; responseCode?: unknown; command?: unknown };
    const parts = [fields.code, fields.command, fields.responseCode].filter((p) => typeof p === 'string' || typeof p === 'number');
    super(`SMTP delivery failed${parts.length > 0 ? `: ${parts.join(' ')}` : ''}`);
    this.name = 'SmtpDeliveryError';
  }
}
