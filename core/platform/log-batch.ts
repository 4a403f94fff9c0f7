import { Writable } from 'node:stream';

/**
 * Collects log lines and hands them to `destination` once per event-loop
 * turn. Writing to stdout is a system call per write (synchronous for files
 * and pipes on Linux): a busy API logs a couple of lines per request, and a
 * call per line costs more than the line. Lines still pending when the
 * process exits are written then, synchronously.
 */
export function batchLines(destination: NodeJS.WritableStream): Writable {
  let pending: string[] = [];
  const flush = () => {
    if (pending.length === 0) return;
    const text = pending.join('');
    pending = [];
    destination.write(text);
  };
  unflushed.add(flush);
  return new Writable({
    decodeStrings: false,
    write(chunk: string | Buffer, _encoding, done) {
      if (pending.length === 0) setImmediate(flush);
      pending.push(typeof chunk === 'string' ? chunk : chunk.toString('utf8'));
      done();
    },
    final(done) {
      flush();
      unflushed.delete(flush);
      done();
    },
  });
}

// One exit hook for every batch, however many loggers a process (or a test run) makes.
const unflushed = new Set<() => void>();
process.once('exit', () => {
  for (const flush of unflushed) flush();
});
