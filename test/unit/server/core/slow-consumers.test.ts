import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StreamPosition } from '../../../../src/protocol/frames.js';
import type { HistoryLimits } from '../../../../src/server/namespaces/namespaces.js';
import type { HistoryRead, SyncAppendHistoryStore } from '../../../../src/server/engine/history.js';
import { MemoryEngine } from '../../../../src/server/engine/memory-engine.js';
import { MemoryHistoryStore } from '../../../../src/server/engine/memory-history.js';
import { waitFor } from '../../../helpers/server.js';
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

/** A memory store whose top() answers asynchronously, and fails (as Redis down would) while `down`. */
class FlakyTops implements SyncAppendHistoryStore {
  readonly memory = new MemoryHistoryStore();
  down = false;
  append(topic: string, payload: Uint8Array, retain: HistoryLimits | false): number {
    return this.memory.append(topic, payload, retain);
  }
  epochOf(topic: string): string {
    return this.memory.epochOf(topic);
  }
  top(topic: string): Promise<StreamPosition> {
    const top = this.memory.top(topic);
    return this.down ? Promise.reject(new Error('history store unreachable')) : Promise.resolve(top);
  }
  read(topic: string, since: StreamPosition | null, limit: number): HistoryRead {
    return this.memory.read(topic, since, limit);
  }
  setActiveCheck(isActive: (topic: string) => boolean): void {
    this.memory.setActiveCheck(isActive);
  }
  close(): void {}
}

const isGap = (frame: unknown) => (frame as unknown[])[0] === 26;

test('catching up while the async history store is down: no unhandled rejection, and the Gap with the top follows once a read answers', async () => {
  const store = new FlakyTops();
  const { core, publisher, connect } = coreFixture({ maxBackpressureBytes: LIMIT, engine: new MemoryEngine({ store }) });
  const slow = connect();
  await core.subscribe(slow.connection, ['t']);
  for (let i = 1; i <= 3; i++) await publisher.publish('t', i);
  slow.socket.buffered = LIMIT;
  core.lanes.check(slow.connection);
  store.down = true;
  slow.socket.buffered = 0;
  core.lanes.check(slow.connection);
  assert.equal(slow.connection.lag, undefined, 'back on native fan-out');
  // The failed read is counted once it settled; an unhandled rejection would fail this test here.
  await waitFor(() => core.counters.storeErrors >= 1, 5000, 'the failed read counted');
  store.down = false;
  await waitFor(() => slow.socket.frames().some(isGap), 5000, 'the owed Gap');
  assert.deepEqual(slow.socket.frames().filter(isGap), [[26, 't', 3]], 'one Gap, with the top seq');
});

test('an async top that answers: the Gap notice is sent once it does (not skipped)', async () => {
  const store = new FlakyTops();
  const { core, publisher, connect } = coreFixture({ maxBackpressureBytes: LIMIT, engine: new MemoryEngine({ store }) });
  const slow = connect();
  await core.subscribe(slow.connection, ['t']);
  await publisher.publish('t', 1);
  slow.socket.buffered = LIMIT;
  core.lanes.check(slow.connection);
  slow.socket.buffered = 0;
  core.lanes.check(slow.connection);
  await waitFor(() => slow.socket.frames().length > 1, 5000, 'the Gap');
  assert.deepEqual(slow.socket.frames().at(-1), [26, 't', 1]);
});

test('a resync (Gap with an epoch) while a socket lags reaches it when it catches up, as it reaches native followers', async () => {
  const { core, publisher, connect } = coreFixture({ maxBackpressureBytes: LIMIT, namespaces: { 'px:': { slowConsumer: 'conflate' } } });
  const slow = connect();
  const fast = connect();
  core.subscribe(slow.connection, ['t', 'px:a']);
  core.subscribe(fast.connection, ['t', 'px:a']);
  slow.socket.buffered = LIMIT;
  core.lanes.check(slow.connection);
  await publisher.publish('t', 1);
  core.resync('t', 'e2', 7);
  core.resync('px:a', 'e2', 4);
  await publisher.publish('px:a', 'newest');
  assert.deepEqual(fast.socket.frames().filter(isGap), [[26, 't', 7, 'e2'], [26, 'px:a', 4, 'e2']]);
  slow.socket.buffered = 0;
  core.lanes.check(slow.connection);
  assert.deepEqual(slow.socket.frames(), [[26, 't', 7, 'e2'], [26, 'px:a', 4, 'e2'], [20, 'px:a', 1, 'newest']]);
});
