import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryBroker } from '../../../src/server/broker.js';

test('assigns per-topic sequence numbers from 1 and delivers synchronously in order', () => {
  const broker = new MemoryBroker();
  const delivered: Array<[string, number, number]> = [];
  broker.start((topic, seq, payload) => delivered.push([topic, seq, payload[0]!]));
  assert.equal(broker.publish('a', Uint8Array.of(10)), 1);
  assert.equal(broker.publish('a', Uint8Array.of(11)), 2);
  assert.equal(broker.publish('b', Uint8Array.of(20)), 1);
  assert.deepEqual(delivered, [['a', 1, 10], ['a', 2, 11], ['b', 1, 20]]);
  assert.equal(broker.lastSeq('a'), 2);
  assert.equal(broker.lastSeq('never'), 0);
});

test('after close nothing is delivered', () => {
  const broker = new MemoryBroker();
  let count = 0;
  broker.start(() => count++);
  broker.close();
  broker.publish('a', Uint8Array.of(1));
  assert.equal(count, 0);
});
