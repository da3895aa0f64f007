import assert from 'node:assert/strict';
import { test } from 'node:test';
import { coreFixture } from './core-fixture.js';

const code = (expected: number) => (err: unknown) => (err as { code?: number }).code === expected;

test('client publishes over the namespace maxPublishBytes are refused with 109; server publishes are not limited by it', async () => {
  const { publisher, engine } = coreFixture({ namespaces: { 'chat:': { maxPublishBytes: 16 } } });
  assert.throws(() => publisher.publish('chat:1', 'x'.repeat(40), { fromClient: true }), code(109));
  assert.equal((await engine.history.top('chat:1')).seq, 0, 'nothing was published');
  assert.equal((await publisher.publish('chat:1', 'x'.repeat(40))).seq, 1);
});

test('an invalid topic is refused with 103 before anything is published (broadcast: all or nothing)', async () => {
  const { publisher, engine } = coreFixture();
  assert.throws(() => publisher.publish('', 1), code(103));
  assert.throws(() => publisher.broadcast(['ok', 'has space'], 1), code(103));
  assert.equal((await engine.history.top('ok')).seq, 0);
});

test('broadcast packs once, publishes to every topic, and honours an idempotency key per topic', async () => {
  const { publisher, core, connect } = coreFixture();
  const { connection, socket } = connect();
  core.subscribe(connection, ['a', 'b']);
  assert.deepEqual((await publisher.broadcast(['a', 'b'], 'hi', { idempotencyKey: 'k' })).map((r) => r.seq), [1, 1]);
  assert.deepEqual(await publisher.broadcast(['a', 'b', 'c'], 'hi', { idempotencyKey: 'k' }), [
    { seq: 1, duplicate: true },
    { seq: 1, duplicate: true },
    { seq: 1, duplicate: false },
  ]);
  assert.deepEqual(socket.frames(), [
    [20, 'a', 1, 'hi'],
    [20, 'b', 1, 'hi'],
  ]);
});
