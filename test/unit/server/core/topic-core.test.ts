import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { WireFormat } from '../../../../src/server/core/wire-format.js';
import type { HistoryRead, SyncAppendHistoryStore } from '../../../../src/server/engine/history.js';
import { MemoryEngine } from '../../../../src/server/engine/memory-engine.js';
import { MemoryHistoryStore } from '../../../../src/server/engine/memory-history.js';
import { msgpackWire, jsonWire } from '../../../../src/server/fronts/switchboard/formats.js';
import type { StreamPosition } from '../../../../src/protocol/frames.js';
import { coreFixture } from './core-fixture.js';


test('a publication reaches msgpack and JSON followers once each, as Message frames [20, topic, seq, data]', async () => {
  const { core, publisher, connect } = coreFixture();
  const binary = connect({ format: 'msgpack' });
  const text = connect({ format: 'json' });
  const other = connect();
  core.subscribe(binary.connection, ['prices']);
  core.subscribe(text.connection, ['prices']);
  core.subscribe(other.connection, ['news']);
  await publisher.publish('prices', { bid: 1 });
  assert.deepEqual(binary.socket.frames(), [[20, 'prices', 1, { bid: 1 }]]);
  assert.deepEqual(text.socket.frames(), [[20, 'prices', 1, { bid: 1 }]]);
  assert.deepEqual(other.socket.frames(), [], 'a follower of another topic gets nothing');
  assert.equal(typeof text.socket.sent[0], 'string', 'JSON followers get text');
});

test('each wire format is encoded once per publication, and not at all without followers', async () => {
  const calls: string[] = [];
  const counting = (wire: WireFormat): WireFormat => ({ ...wire, message: (topic, seq, bytes) => (calls.push(wire.name || 'msgpack'), wire.message(topic, seq, bytes)) });
  const { core, publisher, connect, fanout } = coreFixture({ wires: [counting(msgpackWire), counting(jsonWire)] });
  for (let i = 0; i < 5; i++) core.subscribe(connect({ format: 'msgpack' }).connection, ['t']);
  await publisher.publish('t', 1);
  assert.deepEqual(calls, ['msgpack'], 'five msgpack followers, one encoding; no JSON follower, no JSON encoding');
  assert.equal(fanout.published.length, 1, 'one hand-over to fan-out');
  core.subscribe(connect({ format: 'json' }).connection, ['t']);
  await publisher.publish('t', 2);
  assert.deepEqual(calls, ['msgpack', 'msgpack', 'json']);
});

test('subscribe with a position replays what was missed before anything live, none twice', async () => {
  const { core, publisher, connect, engine } = coreFixture();
  for (let i = 1; i <= 3; i++) await publisher.publish('feed', i);
  const { epoch } = await engine.history.top('feed');
  const { connection, socket } = connect();
  const answer = core.subscribe(connection, ['feed'], { feed: { epoch, seq: 1 } });
  assert.deepEqual(answer, { feed: { epoch, seq: 3, recovered: true } });
  await publisher.publish('feed', 4);
  assert.deepEqual(socket.frames().map((frame) => (frame as unknown[])[2]), [2, 3, 4]);
});

test('a position from another epoch is not recovered and replays nothing', () => {
  const { core, connect } = coreFixture();
  const { connection, socket } = connect();
  const answer = core.subscribe(connection, ['feed'], { feed: { epoch: 'gone', seq: 7 } }) as Record<string, { recovered?: boolean }>;
  assert.equal(answer.feed?.recovered, false);
  assert.deepEqual(socket.sent, []);
});

/** A store whose reads wait until the test releases them: an asynchronous store, deterministically. */
class HeldReads implements SyncAppendHistoryStore {
  readonly memory = new MemoryHistoryStore();
  readonly waiting: Array<() => void> = [];
  append = this.memory.append.bind(this.memory);
  epochOf = this.memory.epochOf.bind(this.memory);
  setActiveCheck = this.memory.setActiveCheck.bind(this.memory);
  close = this.memory.close.bind(this.memory);
  top(topic: string): Promise<StreamPosition> {
    const answer = this.memory.top(topic);
    return new Promise((resolve) => this.waiting.push(() => resolve(answer)));
  }
  read(topic: string, since: StreamPosition | null, limit: number): Promise<HistoryRead> {
    const answer = this.memory.read(topic, since, limit);
    return new Promise((resolve) => this.waiting.push(() => resolve(answer)));
  }
}

test('over an async store, publications during the history read are held and sent after the replay, in order, once', async () => {
  const store = new HeldReads();
  const { core, publisher, connect } = coreFixture({ engine: new MemoryEngine({ store }) });
  for (let i = 1; i <= 3; i++) await publisher.publish('feed', i);
  const epoch = store.memory.epochOf('feed');
  const { connection, socket } = connect();
  const answer = core.subscribe(connection, ['feed'], { feed: { epoch, seq: 1 } });
  assert.ok(answer instanceof Promise);
  await publisher.publish('feed', 4); // live while the read (snapshot at seq 3) is in flight
  await publisher.publish('feed', 5);
  assert.deepEqual(socket.sent, [], 'nothing goes out before the replay');
  store.waiting.shift()!();
  assert.deepEqual(await answer, { feed: { epoch, seq: 5, recovered: true } });
  await publisher.publish('feed', 6);
  assert.deepEqual(socket.frames().map((frame) => (frame as unknown[])[2]), [2, 3, 4, 5, 6]);
});

test('a connection that leaves while its read is in flight is never attached', async () => {
  const store = new HeldReads();
  const { core, publisher, connect, fanout } = coreFixture({ engine: new MemoryEngine({ store }) });
  const { connection, socket } = connect();
  const answer = core.subscribe(connection, ['feed']);
  core.unsubscribe(connection, ['feed']);
  store.waiting.shift()!();
  await answer;
  await publisher.publish('feed', 1);
  assert.deepEqual(socket.sent, []);
  assert.equal(fanout.has('feed', ''), false);
  assert.equal(core.subscriberCount('feed'), 0);
});

test('unsubscribe and close stop delivery and the follower count', async () => {
  const { core, publisher, connect, close } = coreFixture();
  const a = connect();
  const b = connect({ format: 'json' });
  core.subscribe(a.connection, ['t']);
  core.subscribe(b.connection, ['t']);
  assert.equal(core.subscriberCount('t'), 2);
  core.unsubscribe(a.connection, ['t']);
  close(b.connection);
  assert.equal(core.subscriberCount('t'), 0);
  assert.equal(core.isActive('t'), false);
  await publisher.publish('t', 1);
  assert.deepEqual([a.socket.sent.length, b.socket.sent.length], [0, 0]);
});

test('presence: Join and Leave go to the topic\'s followers in every format', () => {
  const { core, connect, close } = coreFixture({ namespaces: { 'room:': { presence: true } } });
  const watcher = connect({ format: 'json' });
  core.subscribe(watcher.connection, ['room:1']);
  const ann = connect({ userId: 'ann' });
  core.subscribe(ann.connection, ['room:1']);
  close(ann.connection);
  const kinds = watcher.socket.frames().map((frame) => (frame as unknown[])[0]);
  assert.deepEqual(kinds, [23, 23, 24], 'its own Join, then ann Join (23) and Leave (24)');
});

test('invalid topics are refused with INVALID_TOPIC (103); replay of an unsubscribed topic with NOT_SUBSCRIBED (120)', () => {
  const { core, connect } = coreFixture();
  const { connection } = connect();
  assert.throws(() => core.subscribe(connection, ['json bad']), (err: unknown) => (err as { code?: number }).code === 103);
  assert.throws(() => core.replay(connection, 'never', { epoch: 'e', seq: 0 }), (err: unknown) => (err as { code?: number }).code === 120);
});

test('resync: every follower of the topic, in every format, gets a Gap notice carrying the new epoch', () => {
  const { core, connect } = coreFixture();
  const binary = connect({ format: 'msgpack' });
  const text = connect({ format: 'json' });
  const other = connect();
  core.subscribe(binary.connection, ['feed']);
  core.subscribe(text.connection, ['feed']);
  core.subscribe(other.connection, ['elsewhere']);
  core.resync('feed', 'e2', 0);
  assert.deepEqual(binary.socket.frames(), [[26, 'feed', 0, 'e2']]);
  assert.deepEqual(text.socket.frames(), [[26, 'feed', 0, 'e2']]);
  assert.deepEqual(other.socket.frames(), [], 'followers of other topics are not told');
});

test('follow/unfollow: the engine hears a topic\'s first follower before its history read, and its last one leaving', () => {
  const calls: string[] = [];
  const engine = new MemoryEngine();
  const top = engine.history.top.bind(engine.history);
  engine.history.top = (topic) => (calls.push(`read ${topic}`), top(topic));
  Object.assign(engine, { follow: (topic: string) => calls.push(`follow ${topic}`), unfollow: (topic: string) => calls.push(`unfollow ${topic}`) });
  const { core, connect, close } = coreFixture({ engine });
  const a = connect();
  const b = connect();
  core.subscribe(a.connection, ['t']);
  core.subscribe(b.connection, ['t']);
  core.unsubscribe(a.connection, ['t']);
  assert.deepEqual(calls, ['follow t', 'read t', 'read t'], 'one follow, before the first read; nothing while a follower remains');
  close(b.connection);
  assert.deepEqual(calls.slice(3), ['unfollow t']);
});
