/** Order statistics for figures repeated over rounds: the spread matters as much as the middle. */

/** min, median and max of some readings. */
export interface Spread {
  min: number;
  median: number;
  max: number;
  /** Readings the spread is over. */
  n: number;
}

/** Median of the values (mean of the middle two for an even count); NaN for none. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The spread of the values that are numbers; null when none is. */
export function spread(values: ReadonlyArray<number | null | undefined>): Spread | null {
  const known = values.filter((value): value is number => typeof value === 'number' && Number.isFinite(value));
  if (known.length === 0) return null;
  return { min: Math.min(...known), median: median(known), max: Math.max(...known), n: known.length };
}

/** max / min, or Infinity when min is 0 and max is not; 1 for a single reading. */
export function spreadRatio(s: Spread): number {
  if (s.max === s.min) return 1;
  return s.min <= 0 ? Number.POSITIVE_INFINITY : s.max / s.min;
}
