import { yieldToEventLoop } from './compiled-ruleset.js';
import type { Pause } from './in-slices.js';

/** Bytes decoded between two pauses: 4 MB take tens of milliseconds in one piece. */
export const BYTES_PER_SLICE = 512 * 1024;

/**
 * `bytes.toString('utf8')`, a slice at a time with pauses between (hot reload).
 * Each cut falls before a byte that starts a character (not 10xxxxxx), so no
 * character is split and each slice decodes as it would within the whole,
 * invalid sequences (and their U+FFFD) included.
 */
export async function utf8InSlices(bytes: Buffer, pause: Pause = yieldToEventLoop, sliceBytes = BYTES_PER_SLICE): Promise<string> {
  const pieces: string[] = [];
  for (let start = 0; start < bytes.length; ) {
    if (start > 0) await pause();
    let end = Math.min(start + sliceBytes, bytes.length);
    while (end < bytes.length && ((bytes[end] as number) & 0xc0) === 0x80) end += 1;
    pieces.push(bytes.toString('utf8', start, end));
    start = end;
  }
  return pieces.join('');
}
