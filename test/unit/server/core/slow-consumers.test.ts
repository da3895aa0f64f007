import assert from 'node:assert/strict';
import { test } from 'node:test';
import { coreFixture } from './core-fixture.js';

const LIMIT = 1024;

test('drop: a socket over the limit leaves fan-out, misses publications, then gets one Gap (26) and rejoins', async () => {
  const { core, publisher, connect } = coreFixture({ maxBackpressureBytes: LIMIT });
  const slow = connect();
  const fast = connect();
  core.subscribe(slow.connection, ['t']);
  core.subscribe(fast.connection, ['t']);
  slow.socket.buffered = LIMIT;
  core.lanes.check(slow.connection);
  assert.notEqual(slow.connection.lag, undefined, 'in the slow lane');
  for (let i = 1; i <= 3; i++) await publisher.publish('t', i);
  assert.equal(slow.socket.sent.length, 0, 'nothing sent while lagging');
  assert.equal(fast.socket.sent.length, 3, 'the others are not affected');
  assert.equal(core.lanes.counters.skipped, 3);
  slow.socket.buffered = LIMIT / 2 - 1;
  core.lanes.check(slow.connection);
  assert.equal(slow.connection.lag, undefined, 'back on native fan-out');
  await publisher.publish('t', 4);
  assert.deepEqual(slow.socket.frames(), [[26, 't', 3], [20, 't', 4, 4]]);
});

test('a socket still above half the limit stays in the lane (hysteresis)', () => {
  const { core, connect } = coreFixture({ maxBackpressureBytes: LIMIT });
  const slow = connect();
  core.subscribe(slow.connection, ['t']);
  slow.socket.buffered = LIMIT;
  core.lanes.check(slow.connection);
  slow.socket.buffered = LIMIT / 2;
  core.lanes.check(slow.connection);
  assert.notEqual(slow.connection.lag, undefined);
});

test('conflate: a lagging socket gets only the newest publication per topic when it drains', async () => {
  const { core, publisher, connect } = coreFixture({ maxBackpressureBytes: LIMIT, namespaces: { 'px:': { slowConsumer: 'conflate' } } });
  const slow = connect();
  core.subscribe(slow.connection, ['px:a']);
  slow.socket.buffered = LIMIT;
  core.lanes.check(slow.connection);
  for (let i = 1; i <= 5; i++) await publisher.publish('px:a', i);
  assert.equal(core.lanes.counters.conflated, 4);
  slow.socket.buffered = 0;
  core.lanes.check(slow.connection);
  assert.deepEqual(slow.socket.frames(), [[20, 'px:a', 5, 5]]);
});

test('close: a socket over the limit on a `close` topic is closed with 4003', () => {
  const { core, connect } = coreFixture({ maxBackpressureBytes: LIMIT, namespaces: { 'trade:': { slowConsumer: 'close' } } });
  const slow = connect();
  core.subscribe(slow.connection, ['news', 'trade:x']);
  slow.socket.buffered = LIMIT;
  core.lanes.check(slow.connection);
  assert.equal(slow.socket.closedWith?.code, 4003);
  assert.equal(core.lanes.counters.closed, 1);
});

test('a lagging socket that closes is forgotten by the lane', async () => {
  const { core, publisher, connect, close } = coreFixture({ maxBackpressureBytes: LIMIT });
  const slow = connect();
  core.subscribe(slow.connection, ['t']);
  slow.socket.buffered = LIMIT;
  core.lanes.check(slow.connection);
  close(slow.connection);
  assert.equal(core.lanes.active, false);
  await publisher.publish('t', 1);
  assert.equal(core.lanes.counters.skipped, 0);
});
