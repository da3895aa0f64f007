/** BoxMetrics against fake workers: the box's /metrics merges every answer, and a box without workers answers at once. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry, Counter } from 'prom-client';
import { BoxMetrics } from '../../../../src/server/cluster/box-metrics.js';

async function workerMetrics(worker: string, value: number) {
  const registry = new Registry();
  registry.setDefaultLabels({ worker });
  new Counter({ name: 'switchboard_test_total', help: 'test', registers: [registry] }).inc(value);
  return registry.getMetricsAsJSON();
}

test('merges the metrics of every worker it asked', async () => {
  const answers = new Map([
    ['1', await workerMetrics('1', 2)],
    ['2', await workerMetrics('2', 5)],
  ]);
  const metrics: BoxMetrics<string> = new BoxMetrics<string>((worker, id) => queueMicrotask(() => metrics.received(id, answers.get(worker)!)));
  const text = await metrics.collect(['1', '2']);
  assert.match(text, /switchboard_test_total\{worker="1"\} 2/);
  assert.match(text, /switchboard_test_total\{worker="2"\} 5/);
});

test('answers at once when no worker is live, and drops answers to requests it no longer waits for', async () => {
  const metrics = new BoxMetrics<string>(() => assert.fail('nobody to ask'));
  assert.equal((await metrics.collect([])).trim(), '');
  metrics.received(99, await workerMetrics('1', 1));
});
