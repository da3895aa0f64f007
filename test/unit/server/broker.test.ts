import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryBroker } from '../../../src/server/broker.js';

const keep = { size: 10, ttlMs: 60_000 };

test('assigns per-topic sequence numbers from 1, retains, and delivers synchronously in order', () => {
  const broker = new MemoryBroker();
  const delivered: Array<[string, number, number]> = [];
  broker.start((topic, seq, payload) => delivered.push([topic, seq, payload[0]!]), () => false);
  assert.equal(broker.publish('a', Uint8Array.of(10), keep), 1);
  assert.equal(broker.publish('a', Uint8Array.of(11), keep), 2);
  assert.equal(broker.publish('b', Uint8Array.of(20), false), 1);
  assert.deepEqual(delivered, [['a', 1, 10], ['a', 2, 11], ['b', 1, 20]]);
  assert.equal(broker.history.top('a').seq, 2);
  assert.equal(broker.history.top('never').seq, 0);
  assert.deepEqual(broker.history.read('a', null, 10).publications.map((p) => p.seq), [1, 2]);
  assert.deepEqual(broker.history.read('b', null, 10).publications, [], 'history off for b');
  broker.close();
});

test('after close nothing is delivered', () => {
  const broker = new MemoryBroker();
  let count = 0;
  broker.start(() => count++, () => false);
  broker.close();
  broker.publish('a', Uint8Array.of(1), keep);
  assert.equal(count, 0);
});
