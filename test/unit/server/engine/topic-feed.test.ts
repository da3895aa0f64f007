/**
 * TopicFeed (src/server/engine/redis/topic-feed.ts) against a fake FeedHost: an in-memory stream
 * that can restart under a new epoch and whose reads can fail on demand. What reaches `deliver`
 * and `resync` is checked exactly; no Redis, no network.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { StreamPosition } from '../../../../src/protocol/frames.js';
import type { Tags } from '../../../../src/protocol/tags.js';
import type { HistoryRead } from '../../../../src/server/engine/history.js';
import { TopicFeed, type FeedHost } from '../../../../src/server/engine/redis/topic-feed.js';
import { waitFor } from '../../../helpers/server.js';

const TOPIC = 't';

/** An in-memory topic stream and what the feed told its sink, in order. */
class FakeHost implements FeedHost {
  epoch = 'A';
  seq = 0;
  retained = new Map<number, Uint8Array>();
  /** Tags of retained publications, by seq (the stream keeps them, as Redis does in field g). */
  tagged = new Map<number, Tags>();
  /** Reads (top or read) that fail before one succeeds again. */
  failures = 0;
  reads = 0;
  readonly events: string[] = [];
  readonly maxFill = 100;
  readonly retryMs = 5;

  deliver(_topic: string, epoch: string, seq: number, _payload: Uint8Array, exclude?: string, tags?: Tags): void {
    const event = exclude === undefined ? `deliver ${epoch}:${seq}` : `deliver ${epoch}:${seq} except ${exclude}`;
    this.events.push(tags === undefined ? event : `${event} tagged ${JSON.stringify(tags)}`);
  }

  resync(_topic: string, epoch: string, seq: number): void {
    this.events.push(`resync ${epoch}:${seq}`);
  }

  /** Appends to the stream; returns what the channel would carry. */
  publish(tags?: Tags): [string, number, Uint8Array] {
    const payload = new Uint8Array([++this.seq]);
    this.retained.set(this.seq, payload);
    if (tags !== undefined) this.tagged.set(this.seq, tags);
    return [this.epoch, this.seq, payload];
  }

  /** The stream restarted (Redis lost it): new epoch, seq 0, nothing retained. */
  restart(epoch: string): void {
    this.epoch = epoch;
    this.seq = 0;
    this.retained.clear();
  }

  async top(): Promise<StreamPosition> {
    await this.gate();
    return { epoch: this.epoch, seq: this.seq };
  }

  async read(_topic: string, since: StreamPosition, limit: number): Promise<HistoryRead> {
    await this.gate();
    const missed = this.seq - since.seq;
    if (since.epoch !== this.epoch || missed < 0 || missed > limit) return { epoch: this.epoch, seq: this.seq, recovered: false, publications: [] };
    const publications = [];
    for (let seq = since.seq + 1; seq <= this.seq; seq++) {
      const payload = this.retained.get(seq);
      if (payload === undefined) return { epoch: this.epoch, seq: this.seq, recovered: false, publications: [] };
      const tags = this.tagged.get(seq);
      publications.push(tags === undefined ? { seq, payload, time: 0 } : { seq, payload, time: 0, tags });
    }
    return { epoch: this.epoch, seq: this.seq, recovered: true, publications };
  }

  private async gate(): Promise<void> {
    this.reads++;
    await Promise.resolve();
    if (this.failures > 0) {
      this.failures--;
      throw new Error('redis unavailable');
    }
  }
}

async function liveFeed(host: FakeHost): Promise<TopicFeed> {
  const feed = new TopicFeed(TOPIC, host);
  await feed.start();
  return feed;
}

/** Lets the feed's pending reads (microtasks and retry timers) settle. */
const settled = (feed: TopicFeed) => waitFor(() => feed.inStep, 2000, 'the feed in step');

describe('TopicFeed', () => {
  test('publications in order are delivered once each; a duplicate from the channel is dropped', async () => {
    const host = new FakeHost();
    const feed = await liveFeed(host);
    const first = host.publish();
    const second = host.publish();
    feed.push(...first);
    feed.push(...second);
    feed.push(...first);
    feed.push(...second);
    await settled(feed);
    assert.deepEqual(host.events, ['deliver A:1', 'deliver A:2']);
    feed.close();
  });

  test('the connection a publication excludes reaches deliver, also when a fill delivers it from the stream (which keeps no exclusions)', async () => {
    const host = new FakeHost();
    const feed = await liveFeed(host);
    feed.push(...host.publish(), '1.1');
    host.publish();
    // Seq 3 reveals the jump: the fill delivers 2 and 3 from the stream, 3 still excluding its sender.
    feed.push(...host.publish(), '1.3');
    await settled(feed);
    feed.push(...host.publish(), '1.4');
    await settled(feed);
    assert.deepEqual(host.events, ['deliver A:1 except 1.1', 'deliver A:2', 'deliver A:3 except 1.3', 'deliver A:4 except 1.4']);
    feed.close();
  });

  test('tags reach deliver from the channel and from a fill (the stream keeps them)', async () => {
    const host = new FakeHost();
    const feed = await liveFeed(host);
    feed.push(...host.publish({ v: 'a' }), undefined, { v: 'a' });
    host.publish({ v: 'b' });
    // Seq 3 reveals the jump: the fill delivers 2 (tags from the stream) and 3.
    feed.push(...host.publish(), '1.3');
    await settled(feed);
    assert.deepEqual(host.events, ['deliver A:1 tagged {"v":"a"}', 'deliver A:2 tagged {"v":"b"}', 'deliver A:3 except 1.3']);
    feed.close();
  });

  test('a jump (the channel skipped publications) is filled from the stream before what revealed it', async () => {
    const host = new FakeHost();
    const feed = await liveFeed(host);
    host.publish();
    host.publish();
    feed.push(...host.publish());
    await settled(feed);
    assert.deepEqual(host.events, ['deliver A:1', 'deliver A:2', 'deliver A:3']);
    feed.close();
  });

  test('a jump older than history: resync at the stream position, then the next ones', async () => {
    const host = new FakeHost();
    const feed = await liveFeed(host);
    host.publish();
    host.publish();
    host.retained.delete(1);
    feed.push(...host.publish());
    await settled(feed);
    feed.push(...host.publish());
    await settled(feed);
    assert.deepEqual(host.events, ['resync A:3', 'deliver A:4']);
    feed.close();
  });

  test('the stream restarted under a new epoch: resync with the new epoch, then it from its first publication', async () => {
    const host = new FakeHost();
    const feed = await liveFeed(host);
    feed.push(...host.publish());
    host.restart('B');
    host.publish();
    feed.push(...host.publish());
    await settled(feed);
    assert.deepEqual(host.events, ['deliver A:1', 'resync B:0', 'deliver B:1', 'deliver B:2']);
    assert.deepEqual(feed.position, { epoch: 'B', seq: 2 });
    feed.close();
  });

  test('a publication of an epoch the feed has left (late on the channel) is dropped, not filled forever', async () => {
    const host = new FakeHost();
    const feed = await liveFeed(host);
    const late = host.publish();
    host.restart('B');
    feed.push(...host.publish());
    await settled(feed);
    const reads = host.reads;
    feed.push(...late);
    feed.push(...host.publish());
    await settled(feed);
    assert.deepEqual(host.events, ['resync B:0', 'deliver B:1', 'deliver B:2']);
    assert.ok(host.reads - reads <= 1, `reads after the late publication: ${host.reads - reads}`);
    feed.close();
  });

  test('a waiter for a position of the old epoch resolves (false) when the feed moves to another epoch, not at give-up', async () => {
    const host = new FakeHost();
    const feed = await liveFeed(host);
    host.publish();
    host.publish();
    // A read answered A:3 just before Redis lost A; the feed never sees A:3.
    let answer: boolean | undefined;
    void feed.reached('A', 3, 3_600_000, 3_600_000).then((reached) => (answer = reached));
    host.restart('B');
    feed.push(...host.publish());
    await waitFor(() => answer !== undefined, 2000, 'the waiter released by the epoch change');
    assert.equal(answer, false, 'not reached: the caller must read again');
    feed.close();
  });

  test('a waiter for the new epoch waits while the feed is still in the old one, and resolves (true) once delivered there', async () => {
    const host = new FakeHost();
    const feed = await liveFeed(host);
    feed.push(...host.publish());
    await settled(feed);
    host.restart('B');
    const b1 = host.publish();
    const b2 = host.publish();
    let answer: boolean | undefined;
    void feed.reached('B', 2, 3_600_000, 3_600_000).then((reached) => (answer = reached));
    feed.push('A', 1, new Uint8Array([1])); // a duplicate of the old epoch: no progress
    await settled(feed);
    assert.equal(answer, undefined, 'still waiting: the feed has not reached epoch B');
    feed.push(...b1);
    feed.push(...b2);
    await waitFor(() => answer !== undefined, 2000, 'the waiter released at B:2');
    assert.equal(answer, true);
    feed.close();
  });

  test('a failed first position read does not make the feed live: start() resolves only once a retry read it', async () => {
    const host = new FakeHost();
    host.seq = 7;
    host.failures = 2;
    const feed = new TopicFeed(TOPIC, host);
    let started = false;
    const start = feed.start().then(() => (started = true));
    await waitFor(() => host.reads >= 1, 2000, 'the first read');
    assert.equal(started && feed.position === undefined, false, 'live without a position');
    await start;
    assert.deepEqual(feed.position, { epoch: 'A', seq: 7 });
    assert.ok(host.reads >= 3);
    feed.close();
  });

  test('a failed fill is retried, and what queued meanwhile is delivered after it, in order', async () => {
    const host = new FakeHost();
    const feed = await liveFeed(host);
    host.publish();
    host.failures = 2;
    feed.push(...host.publish());
    feed.push(...host.publish());
    await waitFor(() => host.events.length === 3, 2000, 'three deliveries after the retries');
    assert.ok(host.reads >= 3, 'two failed fills, then one that worked');
    assert.deepEqual(host.events, ['deliver A:1', 'deliver A:2', 'deliver A:3']);
    feed.close();
  });

  test('a reconcile whose fill fails resolves only once a retry filled (a node must not count the feed live meanwhile)', async () => {
    const host = new FakeHost();
    const feed = await liveFeed(host);
    host.publish();
    host.publish();
    host.failures = 2;
    let caughtUp = false;
    const reconciled = feed.reconcile().then(() => (caughtUp = true));
    await waitFor(() => host.reads >= 2, 2000, 'the first failed fill');
    assert.equal(caughtUp && host.events.length < 2, false, 'resolved while the missed publications were not delivered');
    await reconciled;
    assert.deepEqual(host.events, ['deliver A:1', 'deliver A:2']);
    feed.close();
  });

  test('close releases waiters and a start still retrying', async () => {
    const host = new FakeHost();
    host.failures = 1_000_000;
    const feed = new TopicFeed(TOPIC, host);
    const start = feed.start();
    const waiting = feed.reached('A', 1, 3_600_000, 3_600_000);
    feed.close();
    await start;
    assert.equal(await waiting, false);
  });
});
