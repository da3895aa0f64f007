import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { seeded } from '../../../helpers/fc-seed.js';
import { MemoryHistoryStore } from '../../../../src/server/engine/memory-history.js';
import { waitFor } from '../../../helpers/server.js';

const bytes = (n: number) => new Uint8Array(n).fill(7);

function store(options: ConstructorParameters<typeof MemoryHistoryStore>[0] = {}) {
  let clock = 1_000_000;
  const history = new MemoryHistoryStore({ now: () => clock, ...options });
  return { history, tick: (ms: number) => (clock += ms) };
}

test('sequences per topic, keeps the last `size` publications, replays exactly what came after a position', () => {
  const { history } = store();
  const keep = { size: 5, ttlMs: 60_000 };
  for (let i = 0; i < 8; i++) history.append('t', Uint8Array.of(i), keep);
  const { epoch, seq } = history.top('t');
  assert.equal(seq, 8);
  assert.deepEqual(history.read('t', null, 100).publications.map((p) => p.seq), [4, 5, 6, 7, 8]);
  assert.deepEqual(history.read('t', null, 2).publications.map((p) => p.seq), [7, 8], 'without a position: the latest `limit`');
  const after5 = history.read('t', { epoch, seq: 5 }, 100);
  assert.equal(after5.recovered, true);
  assert.deepEqual(after5.publications.map((p) => [p.seq, p.payload[0]]), [[6, 5], [7, 6], [8, 7]]);
  assert.deepEqual(history.read('t', { epoch, seq: 8 }, 100), { epoch, seq: 8, recovered: true, publications: [] });
  assert.equal(history.read('t', { epoch, seq: 3 }, 100).recovered, true, 'seq 4 onward is all retained');
  assert.equal(history.read('t', { epoch, seq: 2 }, 100).recovered, false, 'seq 3 is gone');
  assert.equal(history.read('t', { epoch, seq: 5 }, 2).recovered, false, 'more missed than the replay cap');
  assert.equal(history.read('t', { epoch: 'other', seq: 7 }, 100).recovered, false, 'another epoch');
  assert.equal(history.read('t', { epoch, seq: 9 }, 100).recovered, false, 'a position from the future');
  history.close();
});

test('publications expire after the TTL; a topic without history still sequences', () => {
  const { history, tick } = store();
  history.append('t', bytes(1), { size: 100, ttlMs: 1000 });
  tick(600);
  history.append('t', bytes(1), { size: 100, ttlMs: 1000 });
  tick(600);
  const { epoch } = history.top('t');
  assert.deepEqual(history.read('t', null, 100).publications.map((p) => p.seq), [2]);
  assert.equal(history.read('t', { epoch, seq: 0 }, 100).recovered, false);
  assert.equal(history.read('t', { epoch, seq: 1 }, 100).recovered, true);
  assert.equal(history.append('off', bytes(1), false), 1);
  assert.equal(history.append('off', bytes(1), false), 2);
  assert.equal(history.read('off', { epoch: history.top('off').epoch, seq: 1 }, 100).recovered, false);
  history.close();
});

test('epochs differ between stores (a restart) and for a topic forgotten under memory pressure', () => {
  const a = new MemoryHistoryStore();
  const b = new MemoryHistoryStore();
  assert.notEqual(a.top('t').epoch, b.top('t').epoch);
  a.close();
  b.close();
});

test('the memory budget evicts least recently published topics first, but keeps the sequence of followed ones', () => {
  const { history } = store({ maxBytes: 64 * 1024 });
  history.setActiveCheck((topic) => topic === 'followed');
  const keep = { size: 1000, ttlMs: 60_000 };
  history.append('followed', bytes(1000), keep);
  const followedEpoch = history.top('followed').epoch;
  history.append('idle', bytes(1000), keep);
  const idleEpoch = history.top('idle').epoch;
  for (let i = 0; i < 200; i++) history.append('hot', bytes(1000), keep);
  assert.ok(history.bytes <= 64 * 1024, `within budget: ${history.bytes}`);
  assert.equal(history.top('followed').epoch, followedEpoch, 'followed topic keeps its epoch');
  assert.equal(history.top('followed').seq, 1);
  assert.equal(history.read('followed', { epoch: followedEpoch, seq: 0 }, 10).recovered, false, 'but lost its publications');
  assert.notEqual(history.top('idle').epoch, idleEpoch, 'idle topic was forgotten: new epoch');
  assert.equal(history.top('idle').seq, 0);
  const hot = history.read('hot', null, 1000).publications;
  assert.equal(hot.at(-1)!.seq, 200, 'the topic being written keeps its newest publications');
  assert.ok(hot.length > 10 && hot.length < 200);
  history.close();
});

test('publishing again makes a topic recent: under pressure the topic published least recently goes first', () => {
  const { history } = store({ maxBytes: 4500 });
  const keep = { size: 1000, ttlMs: 60_000 };
  history.append('a', bytes(100), keep);
  history.append('b', bytes(100), keep);
  const bEpoch = history.top('b').epoch;
  history.append('a', bytes(100), keep);
  // One more topic's buffers take the store over budget by less than one topic's worth.
  history.append('hot', bytes(100), keep);
  assert.ok(history.bytes <= 4500, `within budget: ${history.bytes}`);
  assert.equal(history.read('a', null, 10).publications.length, 2, 'a was published last before hot: kept');
  assert.notEqual(history.top('b').epoch, bEpoch, 'b was the least recently published: forgotten');
  assert.equal(history.read('hot', null, 10).publications.length, 1);
  history.close();
});

test('the sweeper gives back the buffers of idle topics whose history expired, without any read', async () => {
  let clock = 1_000_000;
  const history = new MemoryHistoryStore({ now: () => clock, sweepIntervalMs: 20 });
  const keep = { size: 100, ttlMs: 1000 };
  for (let i = 0; i < 30; i++) history.append(`idle.${i}`, bytes(100), keep);
  const withHistory = history.bytes;
  clock += 2000;
  // Every topic is visited within one sweep period, a slice per step.
  await waitFor(() => history.bytes < withHistory / 2, 5000, 'expired history freed');
  for (let i = 0; i < 30; i++) assert.equal(history.top(`idle.${i}`).seq, 1, 'the sequence stays');
  history.close();
});

test('property: any position answers either the exact missed publications or recovered: false', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 30 }), fc.integer({ min: 0, max: 60 }), fc.integer({ min: 0, max: 70 }), fc.integer({ min: 1, max: 40 }), (size, count, from, limit) => {
      const { history } = store();
      for (let i = 0; i < count; i++) history.append('t', Uint8Array.of(i % 256), { size, ttlMs: 60_000 });
      const { epoch } = history.top('t');
      const read = history.read('t', { epoch, seq: from }, limit);
      const expected = from > count ? null : Array.from({ length: count - from }, (_, i) => from + 1 + i);
      if (read.recovered) {
        assert.deepEqual(read.publications.map((p) => p.seq), expected);
        assert.ok(expected!.length <= limit);
      } else {
        assert.deepEqual(read.publications, []);
        assert.ok(expected === null || expected.length > limit || expected.length > size, `refused a recoverable gap: ${JSON.stringify({ size, count, from, limit })}`);
      }
      history.close();
    }),
    seeded('memory history read ranges'),
  );
});

test('an unknown topic keeps nothing and is answered the epoch its first publication gets; once a published topic was evicted, older answers no longer match', () => {
  const { history } = store({ maxBytes: 4500 });
  const keep = { size: 1000, ttlMs: 60_000 };
  const before = history.bytes;
  const answered = history.top('later');
  for (let i = 0; i < 1000; i++) history.read(`stranger.${i}`, { epoch: 'x', seq: 3 }, 10);
  assert.deepEqual([history.topics, history.bytes], [0, before], 'reads of unknown topics created nothing');
  history.append('later', bytes(10), keep);
  assert.equal(history.top('later').epoch, answered.epoch, 'the answered epoch is the first publication\'s');
  assert.deepEqual(history.read('later', answered, 10).publications.map((p) => p.seq), [1], 'recovery from the answer is exact');

  const stale = history.top('evicted-later'); // answered before any eviction
  history.append('gone', bytes(100), keep);
  const goneEpoch = history.top('gone').epoch;
  for (let i = 0; i < 40; i++) history.append(`hot.${i}`, bytes(100), keep); // evicts 'later' and 'gone'
  assert.notEqual(history.top('gone').epoch, goneEpoch, 'gone was forgotten');
  history.append('gone', bytes(100), keep);
  assert.notEqual(history.top('gone').epoch, goneEpoch, 'its new stream has another epoch than its old one');
  assert.equal(history.read('gone', { epoch: goneEpoch, seq: 0 }, 10).recovered, false, 'a position of the lost stream is not recovered');
  history.append('evicted-later', bytes(10), keep);
  assert.equal(history.read('evicted-later', stale, 10).recovered, false, 'answered before an eviction: the topic may have lived and died since');
  history.close();
});
