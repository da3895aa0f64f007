/**
 * HDR histograms in microseconds: built the same way in every process, shipped between processes
 * as compressed base64, merged in the coordinator, summarised in milliseconds.
 */
import * as hdr from 'hdr-histogram-js';

export type Histogram = hdr.Histogram;

/** Percentiles reported for every latency, in ms. */
export interface LatencySummary {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
}

/** A new µs histogram: 1 µs to 60 s tracked at 3 significant digits, growing beyond if needed. */
export function newHistogram(): Histogram {
  return hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3, autoResize: true });
}

export function encodeHistogram(histogram: Histogram): string {
  return histogram.totalCount === 0 ? '' : hdr.encodeIntoCompressedBase64(histogram);
}

/** Merges encoded histograms (empty strings are skipped) into one. */
export function mergeHistograms(encoded: readonly string[]): Histogram {
  const merged = newHistogram();
  for (const text of encoded) {
    if (text !== '') merged.add(hdr.decodeFromCompressedBase64(text));
  }
  return merged;
}

const ms = (us: number) => Math.round(us) / 1000;

export function summarise(histogram: Histogram): LatencySummary {
  if (histogram.totalCount === 0) return { count: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0, mean: 0 };
  return {
    count: histogram.totalCount,
    p50: ms(histogram.getValueAtPercentile(50)),
    p90: ms(histogram.getValueAtPercentile(90)),
    p99: ms(histogram.getValueAtPercentile(99)),
    p999: ms(histogram.getValueAtPercentile(99.9)),
    max: ms(histogram.maxValue),
    mean: ms(histogram.mean),
  };
}

/** Points of the percentile curve for charts: [percentile, ms]. */
export function percentileCurve(histogram: Histogram): Array<[number, number]> {
  if (histogram.totalCount === 0) return [];
  const points = [0, 10, 25, 50, 75, 90, 95, 99, 99.5, 99.9, 99.95, 99.99, 100];
  return points.map((p) => [p, ms(p === 100 ? histogram.maxValue : histogram.getValueAtPercentile(p))]);
}
