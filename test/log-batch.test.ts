import { Writable } from 'node:stream';
import { expect } from 'chai';
import { batchLines } from '../core/platform/log-batch.js';
import { createLogger } from '../core/platform/logger.js';

/** A destination that records each write it receives. */
function recordingDestination(): { stream: Writable; writes: string[] } {
  const writes: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      writes.push(chunk.toString('utf8'));
      done();
    },
  });
  return { stream, writes };
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('log line batching', () => {
  it('hands the lines of one event-loop turn to the destination in one write, in order', async () => {
    const { stream, writes } = recordingDestination();
    const batch = batchLines(stream);

    batch.write('a\n');
    batch.write('b\n');
    batch.write('c\n');
    expect(writes, 'nothing written during the turn').to.deep.equal([]);
    await nextTurn();
    await nextTurn();

    expect(writes).to.deep.equal(['a\nb\nc\n']);
  });

  it('writes what is pending when the batch ends', async () => {
    const { stream, writes } = recordingDestination();
    const batch = batchLines(stream);

    batch.write('last words\n');
    await new Promise<void>((resolve) => batch.end(resolve));

    expect(writes.join('')).to.equal('last words\n');
  });

  it('carries every line a logger writes in one turn as whole JSON lines', async () => {
    const { stream, writes } = recordingDestination();
    const logger = createLogger('info', { service: 'test', stream: batchLines(stream) });

    for (let i = 0; i < 20; i++) logger.info({ n: i }, 'line');
    await nextTurn();
    await nextTurn();

    expect(writes).to.have.length(1);
    const lines = (writes[0] ?? '').trimEnd().split('\n').map((line) => JSON.parse(line) as { n: number });
    expect(lines.map((l) => l.n)).to.deep.equal(Array.from({ length: 20 }, (_, i) => i));
  });
});
