import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

/**
 * A real SMTP server (the `smtp-server` package) on a free port, standing for
 * the mail service outside the service. It counts each message once it has
 * received all of it, before it answers: so a client killed while waiting
 * for the answer has still handed the message over, as with a real server
 * (SMTP's duplicate-message window).
 */
export interface ReceivedMessage {
  messageId: string | undefined;
  idempotencyKey: string | undefined;
  to: string[];
  raw: string;
}

export interface TestSmtpServer {
  url: string;
  messages: ReceivedMessage[];
  /** Messages received whose answer is still held back (see `answerDelayMs`). */
  holding(): number;
  /** Resolves once `condition` holds after some message arrived (or at once if it holds now). */
  until(condition: () => boolean, what: string, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export interface SmtpServerOptions {
  /** How long the server waits before answering 250 to a message: a slow mail service. */
  answerDelayMs?: number;
  /** Answer this SMTP error to the recipient command instead of accepting it. */
  rejectRecipient?: { code: number; message: string };
}

export async function startSmtpServer(options: SmtpServerOptions = {}): Promise<TestSmtpServer> {
  const messages: ReceivedMessage[] = [];
  const watchers = new Set<() => void>();
  let held = 0;
  const server = new SMTPServer({
    authOptional: true,
    // Plain SMTP on localhost, as a mail catcher serves it.
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onRcptTo(address, _session, callback) {
      const reject = options.rejectRecipient;
      if (!reject) return callback();
      const err = Object.assign(new Error(`${reject.message} <${address.address}>`), { responseCode: reject.code });
      callback(err);
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        messages.push({
          messageId: header(raw, 'Message-ID'),
          idempotencyKey: header(raw, 'X-Idempotency-Key'),
          to: session.envelope.rcptTo.map((r) => r.address),
          raw,
        });
        held += 1;
        for (const watch of watchers) watch();
        setTimeout(() => {
          held -= 1;
          callback();
        }, options.answerDelayMs ?? 0);
      });
    },
  });
  // A client that dies mid-transaction resets its socket: that is expected here.
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;

  return {
    url: `smtp://127.0.0.1:${port}`,
    messages,
    holding: () => held,
    until: (condition, what, timeoutMs = 20_000) =>
      new Promise<void>((resolve, reject) => {
        if (condition()) return resolve();
        const timer = setTimeout(() => {
          watchers.delete(watch);
          reject(new Error(`SMTP server: timed out after ${timeoutMs} ms waiting for ${what} (${messages.length} messages so far)`));
        }, timeoutMs);
        const watch = () => {
          if (!condition()) return;
          clearTimeout(timer);
          watchers.delete(watch);
          resolve();
        };
        watchers.add(watch);
      }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** One header's value from the message's header block (unfolded; these are single-line). */
function header(raw: string, name: string): string | undefined {
  const head = raw.split(/\r?\n\r?\n/, 1)[0] ?? '';
  const match = new RegExp(`^${name}:\\s*(.+)$`, 'im').exec(head);
  return match?.[1]?.trim();
}

/** Distinct values, for counting messages by Message-ID. */
export function distinct(values: Array<string | undefined>): string[] {
  return [...new Set(values.filter((v): v is string => v !== undefined))].sort();
}
