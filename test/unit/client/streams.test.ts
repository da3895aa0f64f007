import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Streams } from '../../../src/client/streams.js';

const seqs = (list: ReadonlyArray<{ seq: number }>) => list.map((m) => m.seq);

test('a fresh subscription starts at the answered seq; in-order messages flow, duplicates are dropped', () => {
  const streams = new Streams();
  streams.track('t');
  streams.hold('t');
  assert.deepEqual(streams.settle('t', { epoch: 'e', seq: 4 }, undefined), { deliver: [], gap: undefined });
  assert.deepEqual(streams.position('t'), { epoch: 'e', seq: 4 });
  assert.deepEqual(seqs(streams.receive('t', 5, 'a').deliver), [5]);
  assert.deepEqual(seqs(streams.receive('t', 5, 'a').deliver), [], 'duplicate');
  assert.deepEqual(streams.position('t'), { epoch: 'e', seq: 5 });
});

test('a jump in seq holds the message and asks for recovery; the answer releases everything in order once', () => {
  const streams = new Streams();
  streams.track('t');
  streams.hold('t');
  streams.settle('t', { epoch: 'e', seq: 10 }, undefined);
  const jump = streams.receive('t', 13, 'c');
  assert.deepEqual(jump, { deliver: [], recover: true });
  // Live traffic keeps arriving while the History request is out; then the replay (11..13), then the answer.
  for (const seq of [14, 11, 12, 13]) assert.deepEqual(streams.receive('t', seq, seq).deliver, []);
  const { deliver, gap } = streams.settle('t', { epoch: 'e', seq: 13, recovered: true }, { epoch: 'e', seq: 10 });
  assert.equal(gap, undefined);
  assert.deepEqual(seqs(deliver), [11, 12, 13, 14]);
  assert.deepEqual(seqs(streams.receive('t', 15, 'x').deliver), [15]);
});

test('an unrecoverable gap is reported (history or epoch) and delivery continues from the new position', () => {
  const streams = new Streams();
  streams.track('t');
  streams.hold('t');
  streams.settle('t', { epoch: 'e', seq: 3 }, undefined);
  streams.hold('t');
  const history = streams.settle('t', { epoch: 'e', seq: 50, recovered: false }, { epoch: 'e', seq: 3 });
  assert.deepEqual(history.gap, { topic: 't', epoch: 'e', lastSeq: 3, seq: 50, reason: 'history' });
  assert.deepEqual(streams.position('t'), { epoch: 'e', seq: 50 });
  streams.hold('t');
  const epoch = streams.settle('t', { epoch: 'f', seq: 0, recovered: false }, { epoch: 'e', seq: 50 });
  assert.equal(epoch.gap?.reason, 'epoch');
  assert.deepEqual(streams.position('t'), { epoch: 'f', seq: 0 });
  assert.deepEqual(seqs(streams.receive('t', 1, 'new').deliver), [1]);
});

test('gap notices ask for recovery only when behind and not already recovering; a disconnect drops held messages', () => {
  const streams = new Streams();
  streams.track('t');
  streams.hold('t');
  streams.settle('t', { epoch: 'e', seq: 7 }, undefined);
  assert.equal(streams.gapNotice('t', 7), false, 'not behind');
  assert.equal(streams.gapNotice('t', 9), true);
  assert.equal(streams.gapNotice('t', 10), false, 'already recovering');
  streams.receive('t', 10, 'held');
  streams.release();
  assert.equal(streams.isHeld('t'), false);
  assert.deepEqual(streams.position('t'), { epoch: 'e', seq: 7 }, 'the resubscribe recovers from here');
});

test('a Gap notice with another epoch starts recovery even below the last seq; the new epoch then flows from 1', () => {
  const streams = new Streams();
  streams.track('t');
  streams.hold('t');
  streams.settle('t', { epoch: 'old', seq: 50 }, undefined);
  assert.equal(streams.gapNotice('t', 0), false, 'same epoch, not behind: ignored');
  assert.equal(streams.gapNotice('t', 0, 'old'), false);
  assert.equal(streams.gapNotice('t', 0, 'new'), true, 'the stream restarted');
  for (const seq of [1, 2]) assert.deepEqual(streams.receive('t', seq, seq).deliver, [], 'held while History is out');
  const { deliver, gap } = streams.settle('t', { epoch: 'new', seq: 2, recovered: false }, { epoch: 'old', seq: 50 });
  assert.equal(gap?.reason, 'epoch');
  assert.deepEqual(seqs(deliver), [1, 2]);
  assert.deepEqual(seqs(streams.receive('t', 3, 'x').deliver), [3]);
});

test('subscribed before the first publication (empty epoch ""): the Gap notice announcing the first epoch is adopted without a request, so a reconnect recovers in it', () => {
  const streams = new Streams();
  streams.track('t');
  streams.hold('t');
  streams.settle('t', { epoch: '', seq: 0 }, undefined);
  assert.equal(streams.gapNotice('t', 0, 'E1'), false, 'nothing was missed: no History request');
  assert.deepEqual(seqs(streams.receive('t', 1, 'a').deliver), [1]);
  assert.deepEqual(seqs(streams.receive('t', 2, 'b').deliver), [2]);
  assert.deepEqual(streams.position('t'), { epoch: 'E1', seq: 2 }, 'the resubscribe position names the real epoch');
  // A subscriber that already saw publications is not moved by a notice at seq 0: its stream restarted.
  assert.equal(streams.gapNotice('t', 0, 'E2'), true);
});

test('filtered: a seq jump is not a loss (delivered at once, no recovery); a Gap notice still asks; recovery moves to the answered seq', () => {
  const streams = new Streams();
  streams.track('t', true);
  streams.hold('t');
  streams.settle('t', { epoch: 'e', seq: 4 }, undefined);
  assert.deepEqual(streams.receive('t', 9, 'a'), { deliver: [{ seq: 9, data: 'a' }], recover: false });
  assert.deepEqual(seqs(streams.receive('t', 9, 'a').deliver), [], 'duplicates still dropped');
  assert.equal(streams.gapNotice('t', 12), true, 'a Gap notice from the server is a real loss');
  streams.receive('t', 14, 'live');
  const { deliver, gap } = streams.settle('t', { epoch: 'e', seq: 13, recovered: true }, { epoch: 'e', seq: 9 });
  assert.equal(gap, undefined);
  assert.deepEqual(seqs(deliver), [14]);
  streams.hold('t');
  streams.settle('t', { epoch: 'e', seq: 20, recovered: true }, { epoch: 'e', seq: 14 });
  assert.deepEqual(streams.position('t'), { epoch: 'e', seq: 20 }, 'seqs after the last message that did not come were filtered out');
});
