/** Lets pending I/O (the requests being served) run before the next slice of a long task. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise<void>((resolve) => setImmediate(resolve));
}

/** What a long check awaits between two slices of its work: the event loop by default, a counter in tests. */
export type Pause = () => Promise<void>;

/** Items visited between two pauses: about a millisecond of checking for 250 generated rules. */
export const ITEMS_PER_SLICE = 250;

/** JSON values a scan over a whole document visits between two pauses (a millisecond or two; 10,000 generated rules are ~290,000 values). */
export const VALUES_PER_SLICE = 20_000;

/**
 * Visits each item in order, pausing after every `sliceSize`: a check over
 * 10,000 rules then never holds the event loop for long, so a hot reload
 * prepares its new version beside the requests being served.
 */
export async function forEachInSlices<T>(
  items: readonly T[],
  visit: (item: T, index: number) => void,
  pause: Pause = yieldToEventLoop,
  sliceSize = ITEMS_PER_SLICE,
): Promise<void> {
  for (let i = 0; i < items.length; i += 1) {
    if (i > 0 && i % sliceSize === 0) await pause();
    visit(items[i] as T, i);
  }
}
