/**
 * Filtered subscriptions in the topic core (src/server/core/filtered-followers.ts and its wiring in
 * topic-core.ts), on fakes of the transport: they stay out of native fan-out, get matches only with
 * real seqs, and still get what native followers get besides publications (resync Gaps, presence),
 * also through the slow lane and exclusions.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileFilter } from '../../../../src/protocol/tags.js';
import { coreFixture } from './core-fixture.js';

const LIMIT = 1024;
const venueA = compileFilter({ eq: ['venue', 'a'] });
const seqsOf = (frames: unknown[]) => frames.filter((frame) => (frame as unknown[])[0] === 20).map((frame) => (frame as unknown[])[2]);

test('a filtered follower is not in native fan-out; it gets matching publications with their seqs, the unfiltered one everything', async () => {
  const { core, publisher, connect, fanout } = coreFixture();
  const filtered = connect();
  const plain = connect({ format: 'json' });
  core.subscribe(filtered.connection, ['t'], undefined, undefined, venueA);
  core.subscribe(plain.connection, ['t']);
  assert.equal(fanout.has('t', filtered.connection.wire.name), false, 'no native subscription for the filtered one');
  for (let i = 1; i <= 4; i++) await publisher.publish('t', i, i % 2 === 1 ? { tags: { venue: 'a' } } : { tags: { venue: 'b' } });
  await publisher.publish('t', 5);
  assert.deepEqual(filtered.socket.frames(), [[20, 't', 1, 1], [20, 't', 3, 3]]);
  assert.deepEqual(seqsOf(plain.socket.frames()), [1, 2, 3, 4, 5]);
  assert.deepEqual(core.filtered.counters, { sent: 2, filteredOut: 3 });
  assert.equal(core.counters.deliveries, 5 + 2, 'deliveries count messages handed to sockets: not the filtered-out ones');
});

test('a topic without filtered followers never reaches the filtered path', async () => {
  const { core, publisher, connect } = coreFixture();
  core.subscribe(connect().connection, ['t']);
  const filtered = connect();
  core.subscribe(filtered.connection, ['other'], undefined, undefined, venueA);
  await publisher.publish('t', 1, { tags: { venue: 'a' } });
  assert.deepEqual(core.filtered.counters, { sent: 0, filteredOut: 0 });
  core.unsubscribe(filtered.connection, ['other']);
  assert.equal(core.filtered.active, false, 'nothing left live after unsubscribe');
});

test('unsubscribe and close end a filtered subscription', async () => {
  const { core, publisher, connect, close } = coreFixture();
  const a = connect();
  const b = connect();
  core.subscribe(a.connection, ['t'], undefined, undefined, venueA);
  core.subscribe(b.connection, ['t'], undefined, undefined, venueA);
  core.unsubscribe(a.connection, ['t']);
  close(b.connection);
  await publisher.publish('t', 1, { tags: { venue: 'a' } });
  assert.deepEqual([a.socket.sent.length, b.socket.sent.length], [0, 0]);
  assert.equal(core.filtered.active, false);
  assert.equal(core.filtered.matcher(a.connection, 't'), undefined);
});

test('resync Gaps and presence notices reach filtered followers (they are not in fan-out)', () => {
  const { core, connect } = coreFixture({ namespaces: { 'room:': { presence: true } } });
  const filtered = connect();
  core.subscribe(filtered.connection, ['room:1'], undefined, undefined, venueA);
  core.subscribe(connect({ userId: 'ann' }).connection, ['room:1']);
  core.resync('room:1', 'e2', 0);
  const kinds = filtered.socket.frames().map((frame) => (frame as unknown[])[0]);
  assert.deepEqual(kinds, [23, 23, 26], 'its own Join, ann\'s Join, the Gap');
});

test('an excluded filtered follower does not get its own publication', async () => {
  const { core, publisher, connect } = coreFixture();
  const sender = connect();
  const other = connect();
  core.subscribe(sender.connection, ['t'], undefined, undefined, venueA);
  core.subscribe(other.connection, ['t'], undefined, undefined, venueA);
  await publisher.publish('t', 1, { tags: { venue: 'a' }, exclude: sender.connection.id });
  assert.deepEqual([seqsOf(sender.socket.frames()), seqsOf(other.socket.frames())], [[], [1]]);
});

test('slow lane: a lagging filtered follower gets nothing, then a Gap, then matches again; conflate keeps the newest match', async () => {
  const { core, publisher, connect } = coreFixture({ maxBackpressureBytes: LIMIT, namespaces: { 'px:': { slowConsumer: 'conflate' } } });
  const slow = connect();
  core.subscribe(slow.connection, ['t', 'px:a'], undefined, undefined, venueA);
  slow.socket.buffered = LIMIT;
  core.lanes.check(slow.connection);
  await publisher.publish('t', 1, { tags: { venue: 'a' } });
  await publisher.publish('px:a', 1, { tags: { venue: 'a' } });
  await publisher.publish('px:a', 2, { tags: { venue: 'b' } });
  assert.equal(slow.socket.sent.length, 0, 'nothing while lagging');
  slow.socket.buffered = 0;
  core.lanes.check(slow.connection);
  await publisher.publish('t', 2, { tags: { venue: 'b' } });
  await publisher.publish('t', 3, { tags: { venue: 'a' } });
  assert.deepEqual(slow.socket.frames(), [[26, 't', 1], [20, 'px:a', 1, 1], [20, 't', 3, 3]], 'the Gap, the newest match (not seq 2), then live matches');
});
