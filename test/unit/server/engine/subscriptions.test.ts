/**
 * The subscription manager (src/server/engine/redis/subscriptions.ts) against a fake subscriber
 * connection and a fake FeedHost: follow/unfollow and the linger, a lost connection and its
 * resubscribe, the resubscribe racing a linger's UNSUBSCRIBE, and the bounded reconcile. The fake
 * applies SUBSCRIBE/UNSUBSCRIBE to its channel set in call order (as Redis runs the commands of
 * one connection) and can hold replies, so the interleavings a real reconnect produces are
 * replayed exactly; test/integration/redis-subscriptions.test.ts checks the same on a redis-server.
 */
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describe, test } from 'node:test';
import type { Redis } from 'ioredis';
import type { StreamPosition } from '../../../../src/protocol/frames.js';
import type { HistoryRead } from '../../../../src/server/engine/history.js';
import { MAX_FEED_READS_IN_FLIGHT } from '../../../../src/server/engine/redis/feed-pacing.js';
import { KeySpace } from '../../../../src/server/engine/redis/keys.js';
import { Subscriptions, type SubscriptionHost } from '../../../../src/server/engine/redis/subscriptions.js';
import type { FeedHost } from '../../../../src/server/engine/redis/topic-feed.js';
import { waitFor } from '../../../helpers/server.js';

const keys = new KeySpace('sb');
const NODE_CHANNELS = ['sb:control', 'sb:reply:n1'];
const channelOf = (topic: string) => keys.topic(topic).channel;

/** An ioredis subscriber as the manager uses it: commands recorded and applied in call order, replies that can be held. */
class FakeSubscriber extends EventEmitter {
  /** What Redis has subscribed now. */
  readonly channels = new Set<string>();
  /** Every command, in the order it reached "Redis". */
  readonly log: string[] = [];
  /** While true, commands fail at once (the connection is down, no offline queue). */
  down = false;
  /** SUBSCRIBEs to fail with a command timeout while the connection stays up (no `close`, no `ready`). */
  timeouts = 0;
  /** While set, replies wait until `release()`. */
  holding = false;
  private held: Array<() => void> = [];

  subscribe(...channels: string[]): Promise<number> {
    return this.command('SUBSCRIBE', channels, () => channels.forEach((c) => this.channels.add(c)));
  }

  unsubscribe(...channels: string[]): Promise<number> {
    return this.command('UNSUBSCRIBE', channels, () => channels.forEach((c) => this.channels.delete(c)));
  }

  /** Answers the held replies, in order. */
  release(): void {
    this.holding = false;
    for (const reply of this.held.splice(0)) reply();
  }

  /** The connection drops (`close`) and later comes back (`ready`): Redis forgot its subscriptions. */
  drop(): void {
    this.down = true;
    this.channels.clear();
    this.emit('close');
  }

  back(): void {
    this.down = false;
    this.emit('ready');
  }

  private command(name: string, channels: string[], apply: () => void): Promise<number> {
    if (this.down) return Promise.reject(new Error("Stream isn't writeable and enableOfflineQueue options is false"));
    if (name === 'SUBSCRIBE' && this.timeouts > 0) {
      this.timeouts--;
      this.log.push(`${name} ${channels.join(' ')} (timed out)`);
      return Promise.reject(new Error('Command timed out'));
    }
    this.log.push(`${name} ${channels.join(' ')}`);
    apply();
    if (!this.holding) return Promise.resolve(this.channels.size);
    return new Promise((resolve) => this.held.push(() => resolve(this.channels.size)));
  }
}

/** A stream that stays at one position; reads can be held to see how many run at once. */
class FakeFeedHost implements FeedHost {
  readonly maxFill = 100;
  readonly retryMs = 5;
  reads = 0;
  inFlight = 0;
  peak = 0;
  holdReads = false;
  private held: Array<() => void> = [];
  readonly delivered: string[] = [];

  deliver(topic: string, _epoch: string, seq: number): void {
    this.delivered.push(`${topic}:${seq}`);
  }

  resync(): void {}

  async top(): Promise<StreamPosition> {
    return { epoch: 'E', seq: 0 };
  }

  async read(_topic: string, since: StreamPosition): Promise<HistoryRead> {
    this.reads++;
    this.inFlight++;
    this.peak = Math.max(this.peak, this.inFlight);
    if (this.holdReads) await new Promise<void>((resolve) => this.held.push(resolve));
    this.inFlight--;
    return { epoch: since.epoch, seq: since.seq, recovered: true, publications: [] };
  }

  releaseReads(): void {
    this.holdReads = false;
    for (const resolve of this.held.splice(0)) resolve();
  }

  get waiting(): number {
    return this.held.length;
  }
}

function setup(lingerMs = 10) {
  const subscriber = new FakeSubscriber();
  const feedHost = new FakeFeedHost();
  const controls: string[] = [];
  let resubscribed = 0;
  const host: SubscriptionHost = {
    presence: () => {},
    control: (channel) => controls.push(channel),
    resubscribed: () => resubscribed++,
  };
  const subscriptions = new Subscriptions(subscriber as unknown as Redis, keys, feedHost, host, { sharded: false, lingerMs, nodeChannels: NODE_CHANNELS });
  return { subscriber, feedHost, subscriptions, controls, resubscribed: () => resubscribed };
}

describe('Subscriptions (subscription manager)', () => {
  test('follow subscribes the channel once and goes live; a second follow sends nothing', async () => {
    const { subscriber, subscriptions } = setup();
    await subscriptions.start();
    subscriptions.follow('a');
    subscriptions.follow('a');
    assert.ok(await subscriptions.liveFeed('a'));
    assert.deepEqual(subscriber.log, [`SUBSCRIBE ${NODE_CHANNELS.join(' ')}`, `SUBSCRIBE ${channelOf('a')}`]);
    assert.equal(subscriptions.size, 1);
    subscriptions.close();
  });

  test('unfollow unsubscribes after the linger; a follow within the linger keeps the channel', async () => {
    const { subscriber, subscriptions } = setup(30);
    await subscriptions.start();
    subscriptions.follow('kept');
    subscriptions.follow('gone');
    await subscriptions.liveFeed('gone');
    subscriptions.unfollow('kept');
    subscriptions.unfollow('gone');
    subscriptions.follow('kept'); // back within the linger
    await waitFor(() => !subscriptions.has('gone'), 2000, 'gone dropped after its linger');
    assert.ok(subscriptions.has('kept'));
    assert.ok(subscriber.channels.has(channelOf('kept')));
    assert.ok(!subscriber.channels.has(channelOf('gone')));
    assert.equal(subscriber.log.filter((line) => line.startsWith('UNSUBSCRIBE')).length, 1);
    subscriptions.close();
  });

  test('a publication on a followed channel is delivered; one on an unfollowed channel is only counted', async () => {
    const { subscriber, subscriptions, feedHost, controls } = setup();
    await subscriptions.start();
    subscriptions.follow('a');
    await subscriptions.liveFeed('a');
    subscriber.emit('messageBuffer', Buffer.from(channelOf('a')), Buffer.from('pE:1:x'));
    subscriber.emit('messageBuffer', Buffer.from(channelOf('other')), Buffer.from('pE:1:x'));
    subscriber.emit('messageBuffer', Buffer.from('sb:control'), Buffer.from('{}'));
    assert.deepEqual(feedHost.delivered, ['a:1']);
    assert.equal(subscriptions.received, 2);
    assert.deepEqual(controls, ['sb:control']);
    subscriptions.close();
  });

  test('connection lost: reads wait; back: node channels and every topic resubscribed, every feed reconciled, the host told', async () => {
    const { subscriber, subscriptions, feedHost, resubscribed } = setup();
    await subscriptions.start();
    for (const topic of ['a', 'b', 'c']) subscriptions.follow(topic);
    await subscriptions.liveFeed('c');
    subscriber.drop();
    let live = false;
    const waiting = subscriptions.liveFeed('a').then(() => (live = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(live, false, 'a read waits while the connection is down');
    subscriber.back();
    await waiting;
    await waitFor(() => subscriptions.reconciling === 0 && feedHost.reads === 3, 2000, 'three reconciles');
    assert.deepEqual([...subscriber.channels].sort(), [...NODE_CHANNELS, ...['a', 'b', 'c'].map(channelOf)].sort());
    assert.deepEqual(subscriber.log.slice(-2), [`SUBSCRIBE ${NODE_CHANNELS.join(' ')}`, `SUBSCRIBE ${['a', 'b', 'c'].map(channelOf).join(' ')}`]);
    assert.equal(resubscribed(), 1);
    subscriptions.close();
  });

  test('a resubscribe whose SUBSCRIBE times out on a connection that stays up is retried: no topic is left without live delivery', async () => {
    const { subscriber, subscriptions, feedHost, resubscribed } = setup();
    await subscriptions.start();
    for (const topic of ['a', 'b']) subscriptions.follow(topic);
    await subscriptions.liveFeed('b');
    subscriber.drop();
    // Back, but Redis answers the first two SUBSCRIBEs too late: ioredis rejects them, the
    // connection stays up, so no further `ready` will come.
    subscriber.timeouts = 2;
    subscriber.back();
    await waitFor(() => resubscribed() === 1 && subscriptions.reconciling === 0 && feedHost.reads === 2, 5000, 'the resubscribe retried until it went through');
    assert.deepEqual([...subscriber.channels].sort(), [...NODE_CHANNELS, ...['a', 'b'].map(channelOf)].sort());
    assert.ok(await subscriptions.liveFeed('a'), 'a is live again');
    assert.equal(subscriber.log.filter((line) => line.endsWith('(timed out)')).length, 2);
    subscriptions.close();
  });

  test('race: a linger expiring before the resubscribe sends its topics leaves that channel unsubscribed', async () => {
    const { subscriber, subscriptions, feedHost } = setup();
    await subscriptions.start();
    subscriptions.follow('kept');
    subscriptions.follow('left');
    await subscriptions.liveFeed('left');
    subscriber.drop();
    subscriber.holding = true;
    subscriber.back(); // snapshot taken; the node channels' SUBSCRIBE waits for its reply
    subscriptions.unfollow('left');
    await waitFor(() => !subscriptions.has('left'), 2000, 'left dropped after its linger');
    subscriber.release();
    await waitFor(() => subscriptions.reconciling === 0 && feedHost.reads === 1, 2000, 'kept reconciled');
    assert.ok(subscriber.channels.has(channelOf('kept')));
    assert.ok(!subscriber.channels.has(channelOf('left')), 'Redis must not keep a channel nobody here follows');
    subscriptions.close();
  });

  test('race: a linger expiring while the topics\' SUBSCRIBE is in flight is undone once it is answered', async () => {
    const { subscriber, subscriptions } = setup();
    await subscriptions.start();
    subscriptions.follow('kept');
    subscriptions.follow('left');
    await subscriptions.liveFeed('left');
    subscriber.drop();
    subscriber.back();
    // Hold the topics' batch: the node channels' SUBSCRIBE was answered synchronously.
    await waitFor(() => subscriber.log.at(-1)?.startsWith(`SUBSCRIBE ${NODE_CHANNELS[0]}`) === true, 2000, 'node channels subscribed');
    subscriber.holding = true;
    await waitFor(() => subscriber.log.at(-1)?.includes(channelOf('left')) === true, 2000, 'the topics\' SUBSCRIBE sent');
    subscriptions.unfollow('left');
    await waitFor(() => !subscriptions.has('left'), 2000, 'left dropped after its linger');
    subscriber.release();
    await waitFor(() => !subscriber.channels.has(channelOf('left')), 2000, 'left unsubscribed in Redis');
    assert.ok(subscriber.channels.has(channelOf('kept')));
    subscriptions.close();
  });

  test('a topic dropped and followed again during the resubscribe stays subscribed', async () => {
    const { subscriber, subscriptions } = setup();
    await subscriptions.start();
    subscriptions.follow('t');
    await subscriptions.liveFeed('t');
    subscriber.drop();
    subscriber.holding = true;
    subscriber.back();
    subscriptions.unfollow('t');
    await waitFor(() => !subscriptions.has('t'), 2000, 't dropped');
    subscriptions.follow('t');
    subscriber.release();
    assert.ok(await subscriptions.liveFeed('t'));
    await waitFor(() => subscriptions.reconciling === 0, 2000, 'reconciled');
    assert.ok(subscriber.channels.has(channelOf('t')));
    subscriptions.close();
  });

  test('reconcile after a reconnect is bounded: at most the pacing limit of reads at once, all of them done', async () => {
    const { subscriber, subscriptions, feedHost } = setup();
    await subscriptions.start();
    const topics = Array.from({ length: 200 }, (_, i) => `t${i}`);
    for (const topic of topics) subscriptions.follow(topic);
    await Promise.all(topics.map((topic) => subscriptions.liveFeed(topic)));
    subscriber.drop();
    feedHost.holdReads = true;
    subscriber.back();
    await waitFor(() => feedHost.waiting === MAX_FEED_READS_IN_FLIGHT, 2000, 'the first reads running');
    assert.equal(subscriptions.feedReads.inFlight, MAX_FEED_READS_IN_FLIGHT);
    assert.equal(subscriptions.reconciling, topics.length);
    feedHost.releaseReads();
    await waitFor(() => subscriptions.reconciling === 0, 5000, 'every topic reconciled');
    assert.equal(feedHost.reads, topics.length);
    assert.ok(feedHost.peak <= MAX_FEED_READS_IN_FLIGHT, `peak ${feedHost.peak}`);
    // 200 channels in one batch (500 per SUBSCRIBE).
    assert.equal(subscriber.log.filter((line) => line.startsWith('SUBSCRIBE t') || line.startsWith('SUBSCRIBE {')).length, 200 + 1);
    subscriptions.close();
  });
});
