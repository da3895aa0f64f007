/**
 * Which topic channels this node listens to, and when. A channel is subscribed when the topic's
 * first local follower arrives (`follow`) and unsubscribed a linger after the last one left
 * (`unfollow`), so a node receives nothing for topics nobody here follows, and a client that
 * re-subscribes at once does not churn Redis. Never a pattern or a global publication channel.
 *
 * When the subscriber connection drops (Redis restarted, `CLIENT KILL TYPE pubsub`, a network
 * blip, a missed PING deadline), every followed topic is marked not live; once it is back, all
 * channels are resubscribed and every feed reconciles with the stream (topic-feed.ts), so nothing
 * acknowledged is lost. The feeds' reads pass one gate (feed-pacing.ts): thousands of topics
 * reconcile a bounded number at a time, and retries back off with jitter. A topic whose linger
 * ends during that resubscribe is left out of it, or unsubscribed again once its batch is
 * answered, so Redis never keeps a channel the node no longer follows.
 */
import type { Redis } from 'ioredis';
import { backoffMs } from './backoff.js';
import { FeedPacing } from './feed-pacing.js';
import type { FeedHost } from './topic-feed.js';
import { TopicFeed } from './topic-feed.js';
import type { KeySpace } from './keys.js';
import { decodeFeedMessage, type FeedPresence } from './feed-message.js';

/** What the subscription manager calls back into. */
export interface SubscriptionHost {
  /** A presence notice arrived on a followed topic's channel. */
  presence(topic: string, notice: FeedPresence): void;
  /** A message on a node-level channel (control, replies). */
  control(channel: string, message: Buffer): void;
  /**
   * The node-level channels are subscribed again after the subscriber connection was lost: what
   * was sent on them meanwhile never arrived (cluster-control.ts reads it back).
   */
  resubscribed?(): void;
}

interface Followed {
  readonly topic: string;
  readonly channel: string;
  readonly feed: TopicFeed;
  wanted: boolean;
  linger: ReturnType<typeof setTimeout> | undefined;
  /** Resolves once the channel is subscribed and the feed knows its starting position. */
  live: Promise<void>;
  /** Whether `live` has resolved (and no drop of the connection happened since). */
  isLive: boolean;
  /** Set while the subscriber connection is down: resolves `live` once it is back and reconciled. */
  back: (() => void) | undefined;
}

// Channels per SUBSCRIBE command when resubscribing many topics at once.
const BATCH = 500;

/** Retries of a resubscribe that failed on a connection that stayed up. */
const RESUBSCRIBE_RETRY = { firstMs: 100, maxMs: 2000 };

export class Subscriptions {
  private readonly byChannel = new Map<string, Followed>();
  private readonly byTopic = new Map<string, Followed>();
  private readonly subscribe: (channels: string[]) => Promise<unknown>;
  private readonly unsubscribe: (channels: string[]) => Promise<unknown>;
  private closed = false;
  // Counts subscriber connection losses, so a resubscribe overtaken by another loss stops.
  private generation = 0;
  /** Failed resubscribes in a row on the current connection (see resubscribe). */
  private resubscribeFailures = 0;
  private readonly pacing = new FeedPacing();
  private readonly pacedHost: FeedHost;
  /** Messages received on topic channels, followed or not (tests count them: nothing for unfollowed topics). */
  received = 0;
  /** Followed topics resubscribed after a reconnect whose feed has not reconciled yet. */
  reconciling = 0;

  constructor(
    private readonly subscriber: Redis,
    private readonly keys: KeySpace,
    feedHost: FeedHost,
    private readonly host: SubscriptionHost,
    private readonly options: { sharded: boolean; lingerMs: number; nodeChannels: readonly string[] },
  ) {
    this.pacedHost = this.pacing.wrap(feedHost);
    const sharded = options.sharded;
    this.subscribe = (channels) => (sharded ? subscriber.ssubscribe(...channels) : subscriber.subscribe(...channels));
    this.unsubscribe = (channels) => (sharded ? subscriber.sunsubscribe(...channels) : subscriber.unsubscribe(...channels));
    const onMessage = (channel: Buffer, message: Buffer) => this.message(channel, message);
    subscriber.on(sharded ? 'smessageBuffer' : 'messageBuffer', onMessage);
    if (sharded) subscriber.on('messageBuffer', (channel: Buffer, message: Buffer) => host.control(channel.toString('latin1'), message));
    subscriber.on('ready', () => void this.resubscribe());
    subscriber.on('close', () => this.lost());
  }

  /** Subscribes the node-level channels (once, at start). */
  async start(): Promise<void> {
    await this.subscriber.subscribe(...this.options.nodeChannels);
  }

  /** A topic's first local follower arrived. */
  follow(topic: string): void {
    const existing = this.byTopic.get(topic);
    if (existing !== undefined) {
      existing.wanted = true;
      clearTimeout(existing.linger);
      existing.linger = undefined;
      return;
    }
    const followed: Followed = { topic, channel: this.keys.topic(topic).channel, feed: new TopicFeed(topic, this.pacedHost), wanted: true, linger: undefined, live: Promise.resolve(), isLive: false, back: undefined };
    this.byTopic.set(topic, followed);
    this.byChannel.set(followed.channel, followed);
    this.setLive(followed, this.goLive(followed));
    followed.live.catch(() => {}); // a read waiting on it sees the failure; nobody else must
  }

  /** A topic's last local follower left: stop listening after the linger, unless one comes back. */
  unfollow(topic: string): void {
    const followed = this.byTopic.get(topic);
    if (followed === undefined) return;
    followed.wanted = false;
    clearTimeout(followed.linger);
    followed.linger = setTimeout(() => this.drop(followed), this.options.lingerMs);
    followed.linger.unref();
  }

  /** The feed of a followed topic once it is live (for reads that must stay exact), or undefined. */
  async liveFeed(topic: string): Promise<TopicFeed | undefined> {
    const followed = this.byTopic.get(topic);
    if (followed === undefined) return undefined;
    await followed.live;
    return followed.feed;
  }

  /**
   * The position a followed topic's feed has delivered up to, when the feed is live and has no
   * read in flight: every publication after it will reach the sink, so a subscribe can be
   * answered with it without a round trip to Redis. Undefined otherwise (ask Redis).
   */
  positionIfLive(topic: string): { epoch: string; seq: number } | undefined {
    const followed = this.byTopic.get(topic);
    if (followed === undefined || !followed.isLive || !followed.feed.inStep) return undefined;
    const position = followed.feed.position;
    return position === undefined ? undefined : { epoch: position.epoch, seq: position.seq };
  }

  private setLive(followed: Followed, live: Promise<void>): void {
    followed.live = live;
    followed.isLive = false;
    live.then(
      () => {
        if (followed.live === live) followed.isLive = true;
      },
      () => {},
    );
  }

  /** Number of topic channels subscribed. */
  get size(): number {
    return this.byTopic.size;
  }

  /** Feed fills (reconciles included) in flight now, the most ever at once, and the bound. */
  get feedReads(): { inFlight: number; peak: number; max: number } {
    return { inFlight: this.pacing.inFlight, peak: this.pacing.peak, max: this.pacing.maxInFlight };
  }

  /** Whether `topic`'s channel is subscribed (or lingering). */
  has(topic: string): boolean {
    return this.byTopic.has(topic);
  }

  close(): void {
    this.closed = true;
    for (const followed of this.byTopic.values()) {
      clearTimeout(followed.linger);
      followed.feed.close();
    }
    this.byTopic.clear();
    this.byChannel.clear();
  }

  private async goLive(followed: Followed): Promise<void> {
    await this.subscribe([followed.channel]);
    await followed.feed.start();
  }

  /** Whether `followed` is still the entry of its topic (not dropped after its linger, nor replaced). */
  private isFollowed(followed: Followed): boolean {
    return this.byTopic.get(followed.topic) === followed;
  }

  private drop(followed: Followed): void {
    if (followed.wanted || !this.isFollowed(followed)) return;
    this.byTopic.delete(followed.topic);
    this.byChannel.delete(followed.channel);
    followed.feed.close();
    // Reads waiting for it to be back answer now (from the stream): nobody follows it any more.
    followed.back?.();
    followed.back = undefined;
    // Best effort: if the connection is down the channel is gone anyway and is not resubscribed.
    this.unsubscribe([followed.channel]).catch(() => {});
  }

  private message(channel: Buffer, message: Buffer): void {
    const name = channel.toString('latin1');
    const followed = this.byChannel.get(name);
    if (followed === undefined) {
      if (this.options.nodeChannels.includes(name)) this.host.control(name, message);
      else this.received++; // a topic channel this node no longer follows (a late message after unsubscribing)
      return;
    }
    this.received++;
    const decoded = decodeFeedMessage(message);
    if (decoded === undefined) return;
    if (decoded.type === 'publication') followed.feed.push(decoded.epoch, decoded.seq, decoded.payload, decoded.exclude, decoded.tags);
    else this.host.presence(followed.topic, decoded);
  }

  /**
   * The subscriber connection is (again) ready: subscribe everything this node follows, then let
   * every feed fill what it missed. The first `ready` (at start) finds nothing to do.
   */
  private async resubscribe(): Promise<void> {
    if (this.closed) return;
    const generation = this.generation;
    const all = [...this.byTopic.values()];
    try {
      await this.subscriber.subscribe(...this.options.nodeChannels);
      for (let i = 0; i < all.length; i += BATCH) {
        // Topics dropped since the snapshot are not sent: their UNSUBSCRIBE went out already.
        const batch = all.slice(i, i + BATCH).filter((followed) => this.isFollowed(followed));
        if (batch.length === 0) continue;
        await this.subscribe(batch.map((followed) => followed.channel));
        // One dropped while this SUBSCRIBE was in flight sent its UNSUBSCRIBE first (Redis runs
        // them in that order): the SUBSCRIBE subscribed it again. Undo that here.
        const dropped = batch.filter((followed) => !this.byChannel.has(followed.channel));
        if (dropped.length > 0) this.unsubscribe(dropped.map((followed) => followed.channel)).catch(() => {});
      }
    } catch {
      // Dropped again: the next `ready` starts over. But a SUBSCRIBE can also fail on a connection
      // that stays up (its answer slower than commandTimeoutMs, from a Redis that just resumed or
      // a starved box): no `ready` would then come, and every followed topic would stay without
      // live delivery for good. Try again on this connection, backing off.
      if (!this.closed && generation === this.generation) {
        const retry = setTimeout(() => {
          if (!this.closed && generation === this.generation) void this.resubscribe();
        }, backoffMs(++this.resubscribeFailures, RESUBSCRIBE_RETRY));
        retry.unref();
      }
      return;
    }
    this.resubscribeFailures = 0;
    if (generation !== this.generation) return; // lost again meanwhile: the next `ready` reconciles
    this.host.resubscribed?.();
    // Every feed asks at once; the pacing gate lets a bounded number of their reads run.
    for (const followed of all) {
      if (!this.isFollowed(followed)) continue;
      const back = followed.back;
      followed.back = undefined;
      const reconciled = followed.feed.reconcile();
      this.setLive(followed, reconciled);
      this.reconciling++;
      const done = () => {
        this.reconciling--;
        back?.();
      };
      void reconciled.then(done, done);
    }
  }

  /** The subscriber connection dropped: reads of followed topics wait until it is back and reconciled. */
  private lost(): void {
    if (this.closed) return;
    this.generation++;
    // A new connection starts its own retry schedule: failures on the last one say nothing of it.
    this.resubscribeFailures = 0;
    for (const followed of this.byTopic.values()) {
      if (followed.back !== undefined) continue;
      this.setLive(followed, new Promise((resolve) => (followed.back = resolve)));
    }
  }
}
