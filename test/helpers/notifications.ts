import { readFile } from 'node:fs/promises';
import { expect } from 'chai';
import { outboxFile } from '../../worker/channels/open-channels.js';

interface NotificationBody {
  channel: string;
  status: string;
  sent_at: string | null;
}

/** What a recommendation shows once the worker is done: each channel, email then sms, sent once. */
export function expectNotifiedOnEveryChannel(notifications: NotificationBody[] | undefined): void {
  expect(notifications?.map((n) => `${n.channel}:${n.status}`), 'notifications').to.deep.equal(['email:sent', 'sms:sent']);
  for (const n of notifications ?? []) expect(n.sent_at, `${n.channel} sent_at`).to.be.a('string');
}

/** The simulated channels' log lines for one recommendation (one per channel when delivered once). */
export function simulatedDeliveries(lines: Array<Record<string, unknown>>, recommendationId: string): string[] {
  return lines
    .filter((l) => l.message === 'patient notified (simulated)' && l.recommendation_id === recommendationId)
    .map((l) => String(l.channel))
    .sort();
}

/** The keys in a simulated channel's outbox file (`notifications-<channel>.jsonl` in DATA_DIR), in file order. */
export async function outboxKeys(dataDir: string, channel: string): Promise<string[]> {
  const text = await readFile(outboxFile(dataDir, channel), 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => (JSON.parse(line) as { key: string }).key);
}
