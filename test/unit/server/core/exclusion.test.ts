/**
 * Delivering to everyone but one connection (src/server/core/exclusion.ts): the excluded id comes
 * with the delivery (from any node, through the engine), and the node that has the connection
 * hands that one publication to fan-out as "everyone but this socket".
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { coreFixture } from './core-fixture.js';

const seqs = (frames: unknown[]) => frames.map((frame) => (frame as unknown[])[2]);

test('a publication excluding a follower reaches every other follower, not it; it gets the next one', async () => {
  const { core, publisher, connect, fanout } = coreFixture();
  const sender = connect();
  const others = [connect(), connect({ format: 'json' })];
  for (const { connection } of [sender, ...others]) core.subscribe(connection, ['room']);
  await publisher.publish('room', 1, { exclude: sender.connection.id });
  await publisher.publish('room', 2);
  assert.deepEqual(seqs(sender.socket.frames()), [2], 'excluded from seq 1 only');
  for (const other of others) assert.deepEqual(seqs(other.socket.frames()), [1, 2]);
  assert.equal(fanout.followers.get('|room')?.has(sender.socket), true, 'the sender never left native fan-out');
});

test('an excluded id that is no connection here (a socket of another node) excludes nobody on this one', async () => {
  const { core, publisher, connect } = coreFixture();
  const here = [connect(), connect()];
  for (const { connection } of here) core.subscribe(connection, ['room']);
  await publisher.publish('room', 1, { exclude: '999.1' });
  for (const { socket } of here) assert.deepEqual(seqs(socket.frames()), [1]);
});

test('excluding the only follower sends it nothing and leaves it subscribed', async () => {
  const { core, publisher, connect } = coreFixture();
  const sender = connect();
  core.subscribe(sender.connection, ['solo']);
  await publisher.publish('solo', 1, { exclude: sender.connection.id });
  assert.deepEqual(sender.socket.sent, []);
  await publisher.publish('solo', 2);
  assert.deepEqual(seqs(sender.socket.frames()), [2]);
});

test('an excluded connection in the slow lane is not excluded: it gets the publication when it drains (an echo, never a loss)', async () => {
  const LIMIT = 1024;
  const { core, publisher, connect } = coreFixture({ maxBackpressureBytes: LIMIT, namespaces: { 'px:': { slowConsumer: 'conflate' } } });
  const sender = connect();
  core.subscribe(sender.connection, ['px:a']);
  sender.socket.buffered = LIMIT;
  core.lanes.check(sender.connection);
  await publisher.publish('px:a', 1, { exclude: sender.connection.id });
  sender.socket.buffered = 0;
  core.lanes.check(sender.connection);
  assert.deepEqual(seqs(sender.socket.frames()), [1]);
});

test('with coalescing, the batch holding an excluded publication goes out without the sender; earlier and later ones reach it', async () => {
  const { core, publisher, connect } = coreFixture({ namespaces: { 'px:': { coalesceMs: 1000 } } });
  const sender = connect();
  const other = connect();
  core.subscribe(sender.connection, ['px:c']);
  core.subscribe(other.connection, ['px:c']);
  await publisher.publish('px:c', 1);
  await publisher.publish('px:c', 2, { exclude: sender.connection.id });
  await publisher.publish('px:c', 3);
  core.flushAll();
  assert.deepEqual(seqs(other.socket.frames()), [1, 2, 3]);
  assert.deepEqual(seqs(sender.socket.frames()), [1, 3]);
});
