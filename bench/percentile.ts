/**
 * The nearest-rank percentile of values sorted ascending: the smallest value
 * with at least `fraction` of all the values at or below it. NaN when there
 * are none.
 */
export function percentile(sortedAscending: Float64Array, fraction: number): number {
  if (!(fraction > 0 && fraction <= 1)) throw new RangeError(`a percentile's fraction is in (0, 1], got ${fraction}`);
  if (sortedAscending.length === 0) return Number.NaN;
  return sortedAscending[Math.ceil(fraction * sortedAscending.length) - 1] as number;
}
