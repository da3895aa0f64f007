import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDuration } from '../../../loadtest/k6/harness/durations.js';
import type { MetricSink } from '../../../loadtest/k6/harness/runtime.js';
import { evaluateThresholds } from '../../../loadtest/k6/harness/thresholds.js';

const sinks = new Map<string, MetricSink>([
  ['latency', { type: 'trend', isTime: true, values: [1, 2, 3, 4, 100] }],
  ['lost', { type: 'counter', isTime: false, values: [] }],
  ['dups', { type: 'counter', isTime: false, values: [1, 2] }],
  ['checks', { type: 'rate', isTime: false, values: [1, 1, 1, 0] }],
  ['empty', { type: 'trend', isTime: true, values: [] }],
]);

test('evaluates k6 threshold expressions the way k6 aggregates', () => {
  const results = evaluateThresholds(
    { latency: ['p(50)<4', 'max<100', 'avg>=22'], lost: ['count==0'], dups: ['count==0'], checks: ['rate>0.99', 'rate>=0.75'] },
    sinks,
    10,
  );
  assert.deepEqual(results.map((r) => [r.metric, r.expression, r.ok, r.actual]), [
    ['latency', 'p(50)<4', true, 3],
    ['latency', 'max<100', false, 100],
    ['latency', 'avg>=22', true, 22],
    ['lost', 'count==0', true, 0],
    ['dups', 'count==0', false, 3],
    ['checks', 'rate>0.99', false, 0.75],
    ['checks', 'rate>=0.75', true, 0.75],
  ]);
});

test('reports what it cannot evaluate as a failed threshold, with the reason', () => {
  const results = evaluateThresholds({ empty: ['p(99)<5'], 'latency{name:x}': ['avg<1'], latency: ['mean<1'] }, sinks, 1);
  assert.deepEqual(results.map((r) => [r.ok, r.problem]), [
    [false, 'metric has no samples'],
    [false, 'tag-filtered thresholds are not supported by the harness'],
    [false, 'expression not understood by the harness'],
  ]);
});

test('parses k6 durations', () => {
  assert.equal(parseDuration('1m30s'), 90_000);
  assert.equal(parseDuration('250ms'), 250);
  assert.equal(parseDuration(undefined, 7), 7);
  assert.throws(() => parseDuration('10 s'), /bad k6 duration/);
});
