import assert from 'node:assert/strict';
import { test } from 'node:test';
import { refreshInBatches } from '../../../../src/server/engine/redis/presence-refresh.js';

const local = (topics: Record<string, number>) =>
  new Map(Object.entries(topics).map(([topic, count]) => [topic, new Map(Array.from({ length: count }, (_, i) => [`c${i}`, `e${i}`]))]));

test('refresh batches: every entry sent once, a topic per call, at most batchSize entries per call', async () => {
  const calls: Array<[string, string[]]> = [];
  const failed = await refreshInBatches(local({ a: 5, b: 2, c: 0 }), 2, 4, async (topic, batch) => void calls.push([topic, batch]));
  assert.equal(failed, 0);
  assert.deepEqual(
    calls.map(([topic, batch]) => `${topic}:${batch.length / 2}`),
    ['a:2', 'a:2', 'a:1', 'b:2'],
  );
  assert.deepEqual(calls[0]![1], ['c0', 'e0', 'c1', 'e1'], 'pairs of connection id and entry');
});

test('refresh batches: never more than inFlight calls at once, and a failed call does not stop the rest', async () => {
  let open = 0;
  let peak = 0;
  let calls = 0;
  const failed = await refreshInBatches(local({ a: 100 }), 1, 3, async () => {
    open++;
    peak = Math.max(peak, open);
    await new Promise((resolve) => setImmediate(resolve));
    open--;
    if (++calls % 10 === 0) throw new Error('redis away');
  });
  assert.equal(calls, 100);
  assert.equal(failed, 10);
  assert.equal(peak, 3);
});
