/**
 * The hold-and-merge (src/server/core/pending-attach.ts) when the topic's epoch changes while a
 * connection's history read is in flight (Redis lost the stream): publications held from another
 * epoch than the answer's are never merged by seq alone, and a feed that moved past the answer's
 * epoch makes the answer the new epoch's, not recovered.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { HistoryRead } from '../../../../src/server/engine/history.js';
import { catchUp, type Held } from '../../../../src/server/core/pending-attach.js';
import { compileFilter } from '../../../../src/protocol/tags.js';
import { coreFixture } from './core-fixture.js';

const payload = (n: number) => new Uint8Array([0xcc, n]); // msgpack uint8: the frames decode to n
const pub = (epoch: string, seq: number): Held => ({ epoch, seq, payload: payload(seq) });
const gap = (epoch: string, seq: number): Held => ({ epoch, seq, payload: undefined });
const sentSeqs = (frames: unknown[]) => frames.map((frame) => (frame as unknown[])[2]);

test('hold-and-merge: publications held from the epoch before the answer are not sent as if they followed it', () => {
  const { connect } = coreFixture();
  const { connection, socket } = connect();
  const read: HistoryRead = { epoch: 'B', seq: 2, recovered: true, publications: [] };
  // The feed delivered A:21, A:22, then moved to B (resync) and delivered B:1..3; the read answered B:2.
  const held = [pub('A', 21), pub('A', 22), gap('B', 0), pub('B', 1), pub('B', 2), pub('B', 3)];
  const answer = catchUp(connection, 't', undefined, read, held);
  assert.deepEqual(answer, { epoch: 'B', seq: 3 });
  assert.deepEqual(sentSeqs(socket.frames()), [3]);
});

test('hold-and-merge: the feed moved to a new epoch after the answer: the answer is the new epoch (recovered: false) and its publications follow', () => {
  const { connect } = coreFixture();
  const { connection, socket } = connect();
  const read: HistoryRead = {
    epoch: 'A',
    seq: 20,
    recovered: true,
    publications: [
      { seq: 19, payload: payload(19), time: 0 },
      { seq: 20, payload: payload(20), time: 0 },
    ],
  };
  const held = [pub('A', 21), gap('B', 0), pub('B', 1), pub('B', 2)];
  const answer = catchUp(connection, 't', { epoch: 'A', seq: 18 }, read, held);
  assert.deepEqual(answer, { epoch: 'B', seq: 2, recovered: false });
  assert.deepEqual(sentSeqs(socket.frames()), [1, 2], 'nothing of the lost epoch, then B from its start');
});

test('latest: the read\'s last publication, then the held live ones it does not cover, each once; the answer has no recovered key', () => {
  const { connect } = coreFixture();
  const { connection, socket } = connect();
  const read: HistoryRead = { epoch: 'A', seq: 3, recovered: true, publications: [{ seq: 3, payload: payload(3), time: 0 }] };
  // Seq 3 was delivered while the read was in flight too (it is held and in the read): sent once.
  const answer = catchUp(connection, 't', 'latest', read, [pub('A', 3), pub('A', 4)]);
  assert.deepEqual(answer, { epoch: 'A', seq: 4 });
  assert.deepEqual(sentSeqs(socket.frames()), [3, 4]);
});

test('latest: nothing when history no longer holds the topic\'s current publication (expired, or never kept)', () => {
  const { connect } = coreFixture();
  const { connection, socket } = connect();
  const read: HistoryRead = { epoch: 'A', seq: 5, recovered: true, publications: [{ seq: 4, payload: payload(4), time: 0 }] };
  assert.deepEqual(catchUp(connection, 't', 'latest', read, undefined), { epoch: 'A', seq: 5 });
  assert.deepEqual(catchUp(connection, 't', 'latest', { epoch: 'A', seq: 5, recovered: true, publications: [] }, undefined), { epoch: 'A', seq: 5 });
  assert.deepEqual(sentSeqs(socket.frames()), [], 'an older one would be a gap, not the latest');
});

test('filtered: the replay and the held live publications are sent only when they match; the answer is the topic\'s real position', () => {
  const { connect } = coreFixture();
  const { connection, socket } = connect();
  const tagged = (seq: number, venue: string) => ({ seq, payload: payload(seq), time: 0, tags: { venue } });
  const read: HistoryRead = { epoch: 'A', seq: 4, recovered: true, publications: [tagged(3, 'a'), tagged(4, 'b')] };
  const held: Held[] = [
    { epoch: 'A', seq: 4, payload: payload(4), tags: { venue: 'b' } },
    { epoch: 'A', seq: 5, payload: payload(5), tags: { venue: 'b' } },
    { epoch: 'A', seq: 6, payload: payload(6), tags: { venue: 'a' } },
    { epoch: 'A', seq: 7, payload: payload(7) },
  ];
  const answer = catchUp(connection, 't', { epoch: 'A', seq: 2 }, read, held, compileFilter({ eq: ['venue', 'a'] }));
  assert.deepEqual(answer, { epoch: 'A', seq: 7, recovered: true }, 'seqs filtered out still move the position');
  assert.deepEqual(sentSeqs(socket.frames()), [3, 6]);
});

test('filtered: after the feed moved to a new epoch, only matching publications of it follow', () => {
  const { connect } = coreFixture();
  const { connection, socket } = connect();
  const read: HistoryRead = { epoch: 'A', seq: 1, recovered: true, publications: [] };
  const held: Held[] = [gap('B', 0), { epoch: 'B', seq: 1, payload: payload(1), tags: { venue: 'b' } }, { epoch: 'B', seq: 2, payload: payload(2), tags: { venue: 'a' } }];
  const answer = catchUp(connection, 't', undefined, read, held, compileFilter({ eq: ['venue', 'a'] }));
  assert.deepEqual(answer, { epoch: 'B', seq: 2 });
  assert.deepEqual(sentSeqs(socket.frames()), [2]);
});
