/**
 * JSON with every object's keys sorted, so the same data gives the same text
 * whatever the order it was written in: an Idempotency-Key's body
 * fingerprint, and whether two ruleset files of one version say the same.
 * Inputs are parsed JSON (no undefined, no cycles; a ruleset's depth is
 * checked before this runs).
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => compare(a, b))) : v,
  );
}

/**
 * The same text as canonicalJson, handed to `write` in pieces, a slice of
 * each large array at a time with `pause()` between slices: 10,000 rules take
 * about 100 ms in one piece, and a hot reload must not hold the requests
 * being served that long. Pieces, not one string: joining 4 MB of text is
 * itself a long stretch, and a caller that hashes the pieces never needs it.
 */
export async function writeCanonicalJsonInSlices(value: unknown, write: (piece: string) => void, pause: () => Promise<void>, sliceSize = 250): Promise<void> {
  if (value === null || typeof value !== 'object') return write(canonicalJson(value));
  if (Array.isArray(value)) {
    write('[');
    for (let i = 0; i < value.length; i += 1) {
      if (i > 0 && i % sliceSize === 0) await pause();
      write(i === 0 ? canonicalJson(value[i]) : `,${canonicalJson(value[i])}`);
    }
    return write(']');
  }
  write('{');
  for (const [i, key] of Object.keys(value).sort(compare).entries()) {
    write(`${i === 0 ? '' : ','}${JSON.stringify(key)}:`);
    await writeCanonicalJsonInSlices((value as Record<string, unknown>)[key], write, pause, sliceSize);
  }
  write('}');
}

/** By UTF-16 code units, as Array.prototype.sort does by default. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
