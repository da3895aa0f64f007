/**
 * End-of-run aggregation of the harness's metrics and evaluation of k6 threshold expressions
 * (`p(99)<50`, `count==0`, `rate>0.99`, `avg<=10`, …) on them, the way k6 reads them. Tag
 * filters (`metric{tag:value}`) are not supported and are reported as failed thresholds.
 */
import type { MetricSink } from './runtime.js';

/** What k6's end-of-test summary shows for one metric. */
export type MetricSummary = Record<string, number>;

/** One threshold expression and whether it held. */
export interface ThresholdResult {
  metric: string;
  expression: string;
  ok: boolean;
  /** The aggregated value the expression compared, if it could be computed. */
  actual?: number;
  /** Why the threshold could not be evaluated. */
  problem?: string;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 1) return sorted[0]!;
  const rank = (p / 100) * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (rank - low);
}

/** The aggregates k6 offers for a metric type; empty when a trend has no samples. */
export function summarize(sink: MetricSink, durationS: number): MetricSummary {
  const values = sink.values;
  switch (sink.type) {
    case 'counter': {
      const count = values.reduce((a, b) => a + b, 0);
      return { count, rate: durationS > 0 ? count / durationS : 0 };
    }
    case 'gauge':
      return values.length === 0 ? {} : { value: values[values.length - 1]!, min: Math.min(...values), max: Math.max(...values) };
    case 'rate': {
      const passes = values.filter((v) => v !== 0).length;
      return { rate: values.length === 0 ? 0 : passes / values.length, passes, fails: values.length - passes };
    }
    case 'trend': {
      if (values.length === 0) return {};
      const sorted = [...values].sort((a, b) => a - b);
      const summary: MetricSummary = { count: sorted.length, avg: sorted.reduce((a, b) => a + b, 0) / sorted.length, min: sorted[0]!, med: percentile(sorted, 50), max: sorted[sorted.length - 1]! };
      for (const p of [90, 95, 99, 99.9]) summary[`p(${p})`] = percentile(sorted, p);
      return summary;
    }
  }
}

const EXPRESSION = /^\s*(count|rate|value|avg|min|max|med|p\((\d+(?:\.\d+)?)\))\s*(<=|>=|===|==|!=|<|>)\s*(-?\d+(?:\.\d+)?)\s*$/;

function compare(actual: number, op: string, expected: number): boolean {
  switch (op) {
    case '<': return actual < expected;
    case '<=': return actual <= expected;
    case '>': return actual > expected;
    case '>=': return actual >= expected;
    case '==':
    case '===': return actual === expected;
    default: return actual !== expected;
  }
}

/** Evaluates k6 `options.thresholds` against the collected metrics. */
export function evaluateThresholds(
  thresholds: Record<string, Array<string | { threshold: string }>> | undefined,
  registry: Map<string, MetricSink>,
  durationS: number,
): ThresholdResult[] {
  const results: ThresholdResult[] = [];
  for (const [metric, list] of Object.entries(thresholds ?? {})) {
    for (const entry of list) {
      const expression = typeof entry === 'string' ? entry : entry.threshold;
      const sink = registry.get(metric);
      const match = EXPRESSION.exec(expression);
      if (metric.includes('{')) {
        results.push({ metric, expression, ok: false, problem: 'tag-filtered thresholds are not supported by the harness' });
        continue;
      }
      if (!match) {
        results.push({ metric, expression, ok: false, problem: 'expression not understood by the harness' });
        continue;
      }
      // A counter nobody added to is 0 (the harness's choice; k6 may skip thresholds on metrics without samples).
      const summary = sink ? summarize(sink, durationS) : {};
      const key = match[2] === undefined ? match[1]! : `p(${match[2]})`;
      let actual = summary[key];
      if (actual === undefined && key.startsWith('p(') && sink?.type === 'trend' && sink.values.length > 0) {
        actual = percentile([...sink.values].sort((a, b) => a - b), Number(match[2]));
      }
      if (actual === undefined && (key === 'count' || key === 'rate') && (sink === undefined || sink.type !== 'trend')) actual = 0;
      if (actual === undefined) {
        results.push({ metric, expression, ok: false, problem: 'metric has no samples' });
        continue;
      }
      results.push({ metric, expression, ok: compare(actual, match[3]!, Number(match[4])), actual });
    }
  }
  return results;
}
