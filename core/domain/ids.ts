import { randomFillSync } from 'node:crypto';

/**
 * Time-ordered ids: RFC 9562 UUIDv7, lowercase 8-4-4-4-12 hex like any UUID.
 * Random (v4) ids scatter inserts over every page of each primary-key index,
 * so each commit rewrote many pages; ids that grow with time append at the
 * right edge of the B-trees instead. Within one process they also sort by
 * creation order, even within one millisecond: the 42 bits after the
 * timestamp are a counter, seeded at random each new millisecond and
 * incremented within it (RFC 9562 6.2, method 1); the last 32 bits are random.
 */
export interface UuidV7Options {
  /** Unix time in milliseconds. */
  now?: () => number;
  /** Fills a buffer with random bytes. */
  fillRandom?: (buffer: Buffer) => void;
}

const COUNTER_BITS = 42;
const COUNTER_LIMIT = 2 ** COUNTER_BITS;
/** The counter's low 30 bits go to rand_b, after the variant; the high 12 are rand_a. */
const LOW_BITS = 2 ** 30;
/** Random bytes drawn per call to crypto, amortised over many ids. */
const POOL_SIZE = 4096;
/** Two hex digits per byte value: a table lookup is several times faster than toString(16). */
const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));
const hex = (byte: number): string => HEX[byte] as string;

export function createUuidV7Generator(options: UuidV7Options = {}): () => string {
  const { now = Date.now, fillRandom = randomFillSync } = options;
  const pool = Buffer.alloc(POOL_SIZE);
  let poolOffset = POOL_SIZE;
  let lastMs = -1;
  let counter = 0;
  /** `lastMs` as the first 12 hex digits, `xxxxxxxx-xxxx-`: formatted once per millisecond. */
  let timestampHex = '';

  /** Where `count` fresh random bytes start in the pool. */
  const takeRandom = (count: number): number => {
    if (poolOffset + count > POOL_SIZE) {
      fillRandom(pool);
      poolOffset = 0;
    }
    poolOffset += count;
    return poolOffset - count;
  };
  const startMillisecond = (ms: number): void => {
    lastMs = ms;
    counter = pool.readUIntBE(takeRandom(6), 6) % COUNTER_LIMIT;
    const digits = ms.toString(16).padStart(12, '0');
    timestampHex = `${digits.slice(0, 8)}-${digits.slice(8)}-`;
  };

  return () => {
    const ms = now();
    if (ms > lastMs) startMillisecond(ms);
    // Same millisecond (or the clock went back): the counter keeps the order;
    // should it ever run out, borrow the next millisecond.
    else if (++counter >= COUNTER_LIMIT) startMillisecond(lastMs + 1);
    const high = Math.floor(counter / LOW_BITS);
    const low = counter % LOW_BITS;
    const r = takeRandom(4);
    return (
      timestampHex +
      hex(0x70 | (high >>> 8)) + hex(high & 0xff) + '-' + // version 7, then the counter's high 12 bits
      hex(0x80 | (low >>> 24)) + hex((low >>> 16) & 0xff) + '-' + // variant 10, then its next 14
      hex((low >>> 8) & 0xff) + hex(low & 0xff) + // its last 16
      hex(pool[r] ?? 0) + hex(pool[r + 1] ?? 0) + hex(pool[r + 2] ?? 0) + hex(pool[r + 3] ?? 0)
    );
  };
}

/** The process-wide generator: ids from it sort by creation order. */
export const uuidv7 = createUuidV7Generator();
