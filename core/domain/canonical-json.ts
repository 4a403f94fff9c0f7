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
 * The same text as canonicalJson, built a slice of each large array at a
 * time with `pause()` between slices: 10,000 rules take about 100 ms in one
 * piece, and a hot reload must not hold the requests being served that long.
 */
export async function canonicalJsonInSlices(value: unknown, pause: () => Promise<void>, sliceSize = 250): Promise<string> {
  if (value === null || typeof value !== 'object') return canonicalJson(value);
  if (Array.isArray(value)) {
    const items: string[] = [];
    for (let start = 0; start < value.length; start += sliceSize) {
      if (start > 0) await pause();
      for (const item of value.slice(start, start + sliceSize)) items.push(canonicalJson(item));
    }
    return `[${items.join(',')}]`;
  }
  const members: string[] = [];
  for (const key of Object.keys(value).sort(compare)) {
    members.push(`${JSON.stringify(key)}:${await canonicalJsonInSlices((value as Record<string, unknown>)[key], pause, sliceSize)}`);
  }
  return `{${members.join(',')}}`;
}

/** By UTF-16 code units, as Array.prototype.sort does by default. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
