/**
 * What a Redis topic feed (src/server/engine/redis/topic-feed.ts) holds while it waits for a read:
 * publications arriving meanwhile are queued, and that queue must neither pin the subscriber
 * connection's read buffers (a payload is a view into them) nor grow without bound across feeds.
 * Driven through a fake FeedHost whose stream reads answer when the test says so.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StreamPosition } from '../../../../src/protocol/frames.js';
import type { HistoryRead } from '../../../../src/server/engine/history.js';
import { FeedQueueBudget } from '../../../../src/server/engine/redis/feed-queue-budget.js';
import { TopicFeed, type FeedHost } from '../../../../src/server/engine/redis/topic-feed.js';
import { waitFor } from '../../../helpers/server.js';

const EPOCH = 'E';

/** A host over an in-memory stream per topic; `hold()` makes reads wait until `release()`. */
function fakeHost(budget?: FeedQueueBudget) {
  const streams = new Map<string, Uint8Array[]>();
  const delivered = new Map<string, Array<{ seq: number; payload: Uint8Array }>>();
  const resynced: Array<{ topic: string; seq: number }> = [];
  let gate: Promise<void> = Promise.resolve();
  let open: () => void = () => {};
  const stream = (topic: string) => streams.get(topic) ?? (streams.set(topic, []), streams.get(topic)!);
  const host: FeedHost = {
    deliver: (topic, _epoch, seq, payload) => {
      const list = delivered.get(topic) ?? (delivered.set(topic, []), delivered.get(topic)!);
      list.push({ seq, payload });
    },
    resync: (topic, _epoch, seq) => void resynced.push({ topic, seq }),
    // Like Redis: the answer is a snapshot of when the read was sent, however late it arrives.
    top: async (topic) => {
      const seq = stream(topic).length;
      await gate;
      return { epoch: EPOCH, seq };
    },
    read: async (topic: string, since: StreamPosition, limit: number): Promise<HistoryRead> => {
      const all = stream(topic).slice();
      await gate;
      const missed = all.length - since.seq;
      if (since.epoch !== EPOCH || missed > limit) return { epoch: EPOCH, seq: all.length, recovered: false, publications: [] };
      return { epoch: EPOCH, seq: all.length, recovered: true, publications: all.slice(since.seq).map((payload, i) => ({ seq: since.seq + i + 1, payload, time: 1 })) };
    },
    maxFill: 10_000,
    retryMs: 10,
    queueBudget: budget,
  };
  return {
    host,
    delivered: (topic: string) => delivered.get(topic) ?? [],
    resynced,
    /** Publishes in the "stream" and returns the payload as a view into a larger buffer (like ioredis's). */
    publish(topic: string, size: number, fill: number): Uint8Array {
      const socketBuffer = Buffer.alloc(size + 64, fill);
      const payload = socketBuffer.subarray(32, 32 + size);
      stream(topic).push(Uint8Array.from(payload));
      return payload;
    },
    hold() {
      gate = new Promise((resolve) => (open = resolve));
    },
    release() {
      open();
    },
  };
}

test('a publication delivered at once is not copied; one queued behind a read is, so it does not pin the socket read buffer', async () => {
  const fake = fakeHost();
  const feed = new TopicFeed('t', fake.host);
  await feed.start();
  const live = fake.publish('t', 100, 1);
  feed.push(EPOCH, 1, live);
  assert.equal(fake.delivered('t')[0]!.payload, live, 'in order and not busy: the view itself, no copy');

  fake.hold();
  void feed.reconcile(); // a fill is now in flight: what arrives is queued
  const queued = fake.publish('t', 100, 2);
  feed.push(EPOCH, 2, queued);
  queued.fill(9); // the socket reuses its buffer
  fake.release();
  await waitFor(() => fake.delivered('t').length >= 2, 5000, 'the queued publication delivered');
  const second = fake.delivered('t')[1]!;
  assert.equal(second.seq, 2);
  assert.ok(second.payload.every((byte) => byte === 2), 'the queued copy kept the bytes the channel carried');
  assert.notEqual(second.payload.buffer, queued.buffer, 'a copy, not a view into the read buffer');
  feed.close();
});

test('queued bytes across all feeds stay under the shared cap: the oldest are dropped and read back from the stream, nothing lost', async () => {
  const budget = new FeedQueueBudget(20 * 1024);
  const fake = fakeHost(budget);
  const topics = ['a', 'b', 'c'];
  const feeds = topics.map((topic) => new TopicFeed(topic, fake.host));
  await Promise.all(feeds.map((feed) => feed.start()));
  fake.hold();
  // Each feed is filling from before the burst (its read answers nothing new): everything queues.
  const filling = feeds.map((feed) => feed.reconcile());
  let peak = 0;
  for (let seq = 1; seq <= 100; seq++) {
    topics.forEach((topic, i) => feeds[i]!.push(EPOCH, seq, fake.publish(topic, 1024, seq)));
    peak = Math.max(peak, budget.bytes);
  }
  // 300 KiB arrived while the reads were out; the cap (20 KiB) holds, give or take each feed's newest one.
  assert.ok(peak > 10 * 1024, `the burst was queued and counted (peak ${peak})`);
  assert.ok(peak <= 20 * 1024 + topics.length * 1024, `queued bytes peaked at ${peak}, past the cap plus one publication per feed`);
  fake.release();
  await Promise.all(filling);
  await waitFor(() => topics.every((topic) => fake.delivered(topic).length >= 100), 5000, 'every feed delivered its 100');
  for (const topic of topics) {
    const got = fake.delivered(topic);
    assert.deepEqual(got.map((d) => d.seq), Array.from({ length: 100 }, (_, i) => i + 1), `${topic}: every seq once, in order`);
    assert.ok(got.every((d) => d.payload.every((byte) => byte === d.seq % 256)), `${topic}: the right bytes`);
  }
  assert.deepEqual(fake.resynced, [], 'the stream still had them: no gap to report');
  assert.equal(budget.bytes, 0, 'nothing left queued');
  feeds.forEach((feed) => feed.close());
});
