import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { WireFormat } from '../../../../src/server/core/wire-format.js';
import { jsonWire, msgpackWire } from '../../../../src/server/fronts/switchboard/formats.js';
import { coreFixture } from './core-fixture.js';

const until = async (check: () => boolean) => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  assert.ok(check(), 'condition not reached');
};

test('publications in one window reach each follower as one message holding every frame, in seq order', async () => {
  const { core, publisher, connect } = coreFixture({ namespaces: { 'px:': { coalesceMs: 30 } } });
  const binary = connect();
  const text = connect({ format: 'json' });
  core.subscribe(binary.connection, ['px:a']);
  core.subscribe(text.connection, ['px:a']);
  for (let i = 1; i <= 5; i++) await publisher.publish('px:a', i);
  assert.equal(binary.socket.sent.length, 0, 'held for the window');
  await until(() => binary.socket.sent.length > 0);
  assert.equal(binary.socket.sent.length, 1, 'one WebSocket message');
  assert.equal(text.socket.sent.length, 1);
  const expected = [1, 2, 3, 4, 5].map((i) => [20, 'px:a', i, i]);
  assert.deepEqual(binary.socket.frames(), expected);
  assert.deepEqual(text.socket.frames(), expected);
  assert.deepEqual(core.coalescer?.counters, { batches: 2, coalescedFrames: 10 });
});

test('each publication is still encoded once per format, and a namespace without coalescing is untouched', async () => {
  const calls: string[] = [];
  const counting = (wire: WireFormat): WireFormat => ({ ...wire, message: (topic, seq, bytes) => (calls.push(`${wire.name || 'msgpack'}:${seq}`), wire.message(topic, seq, bytes)) });
  const { core, publisher, connect } = coreFixture({ namespaces: { 'px:': { coalesceMs: 'turn' } }, wires: [counting(msgpackWire), counting(jsonWire)] });
  for (let i = 0; i < 3; i++) core.subscribe(connect().connection, ['px:a', 'news']);
  for (let i = 1; i <= 3; i++) await publisher.publish('px:a', i);
  assert.deepEqual(calls, ['msgpack:1', 'msgpack:2', 'msgpack:3']);
  const plain = connect();
  core.subscribe(plain.connection, ['news']);
  await publisher.publish('news', 'now');
  assert.equal(plain.socket.sent.length, 1, 'sent at once, not held');
});

test("'turn' coalesces what arrives in one event-loop turn, and nothing across turns", async () => {
  const { core, publisher, connect } = coreFixture({ namespaces: { '': { coalesceMs: 'turn' } } });
  const { connection, socket } = connect();
  core.subscribe(connection, ['t']);
  publisher.publish('t', 1);
  publisher.publish('t', 2);
  await new Promise((resolve) => setImmediate(resolve));
  publisher.publish('t', 3);
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(socket.sent.length, 2);
  assert.deepEqual(socket.frames().map((frame) => (frame as unknown[])[2]), [1, 2, 3]);
});

test('a subscriber that joins during a window gets every publication exactly once (replay, then live)', async () => {
  const { core, publisher, connect, engine } = coreFixture({ namespaces: { '': { coalesceMs: 50 } } });
  const early = connect();
  core.subscribe(early.connection, ['t']);
  const { epoch } = await engine.history.top('t');
  for (let i = 1; i <= 3; i++) await publisher.publish('t', i);
  const late = connect();
  assert.deepEqual(core.subscribe(late.connection, ['t'], { t: { epoch, seq: 0 } }), { t: { epoch, seq: 3, recovered: true } });
  for (let i = 4; i <= 5; i++) await publisher.publish('t', i);
  await until(() => late.socket.frames().length === 5);
  await new Promise((resolve) => setTimeout(resolve, 80));
  assert.deepEqual(late.socket.frames().map((frame) => (frame as unknown[])[2]), [1, 2, 3, 4, 5]);
  assert.deepEqual(early.socket.frames().map((frame) => (frame as unknown[])[2]), [1, 2, 3, 4, 5]);
});

test('a presence notice does not overtake publications waiting in a batch', async () => {
  const { core, publisher, connect } = coreFixture({ namespaces: { 'room:': { presence: true, coalesceMs: 200 } } });
  const watcher = connect({ userId: 'w' });
  core.subscribe(watcher.connection, ['room:1']);
  await publisher.publish('room:1', 'before');
  core.subscribe(connect({ userId: 'ann' }).connection, ['room:1']);
  const kinds = watcher.socket.frames().map((frame) => (frame as unknown[])[0]);
  assert.deepEqual(kinds, [23, 20, 23], 'own Join, the waiting Message, then ann\'s Join');
});

test('a big batch goes out before its window ends; flushAll sends what is left', async () => {
  const { core, publisher, connect } = coreFixture({ namespaces: { '': { coalesceMs: 1000 } } });
  const { connection, socket } = connect();
  core.subscribe(connection, ['t']);
  for (let i = 0; i < 20; i++) await publisher.publish('t', 'x'.repeat(4000));
  assert.equal(socket.sent.length, 1, 'flushed at 64 KiB');
  core.flushAll();
  assert.equal(socket.frames().length, 20);
});
