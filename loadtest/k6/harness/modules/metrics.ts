/** Harness shim for `k6/metrics`: Counter, Gauge, Rate and Trend, merged by name across VUs. */
import { sinkFor, type MetricSink } from '../runtime.js';

abstract class Metric {
  protected readonly sink: MetricSink;
  constructor(readonly name: string, type: MetricSink['type'], isTime = false) {
    this.sink = sinkFor(name, type, isTime);
  }
  /** Adds one sample (tags are accepted and ignored: the harness does not split by tag). */
  add(value: number | boolean, _tags?: Record<string, string>): void {
    this.sink.values.push(Number(value));
  }
}

/** Sum of added values. */
export class Counter extends Metric {
  constructor(name: string) {
    super(name, 'counter');
  }
}

/** Last added value. */
export class Gauge extends Metric {
  constructor(name: string) {
    super(name, 'gauge');
  }
}

/** Share of non-zero added values. */
export class Rate extends Metric {
  constructor(name: string) {
    super(name, 'rate');
  }
}

/** Distribution of added values; `isTime` marks them as milliseconds. */
export class Trend extends Metric {
  constructor(name: string, isTime = false) {
    super(name, 'trend', isTime);
  }
}
