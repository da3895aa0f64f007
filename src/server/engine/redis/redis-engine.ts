/**
 * The Redis engine: several Switchboard processes share topics, history, presence and
 * idempotency through one Redis. A publication is one script call (scripts.ts) that sequences,
 * retains and publishes it on the topic's channel; every node, the publishing one included,
 * delivers it only from that channel (topic-feed.ts), and only for topics it has followers on
 * (subscriptions.ts). Epochs live in Redis, so restarting a node changes no topic's epoch.
 * See docs/operations.md for keys, memory and failure behaviour.
 */
import { randomBytes } from 'node:crypto';
import { Kind } from '../../../protocol/frames.js';
import type { Engine, EngineSink, PublishOptions, PublishResult } from '../engine.js';
import { RedisClusterControl } from './cluster-control.js';
import { RedisConnections, RedisLink } from './connections.js';
import { encodeStoredTags } from './feed-message.js';
import { FeedQueueBudget } from './feed-queue-budget.js';
import { KeySpace } from './keys.js';
import { resolveRedisOptions, type RedisEngineOptions } from './options.js';
import { RedisHistory } from './redis-history.js';
import { PagedFill } from './paged-fill.js';
import { RedisPresence } from './redis-presence.js';
import { READ_PAGE } from './scripts.js';
import { Subscriptions } from './subscriptions.js';
import type { FeedHost } from './topic-feed.js';

// A failed fill or start is retried after this long.
const RETRY_MS = 200;

export class RedisEngine implements Engine {
  readonly history: RedisHistory;
  readonly presence: RedisPresence;
  readonly cluster: RedisClusterControl;
  readonly options: RedisEngineOptions;
  /** This process's id among the nodes (replies to control commands come back to it). */
  readonly nodeId = randomBytes(6).toString('base64url');
  private readonly keys: KeySpace;
  private readonly link = new RedisLink();
  private readonly publishCommand: string;
  // The feed's position is one Redis gave this node: when Redis is now behind it, Redis lost writes.
  private readonly fill: PagedFill;
  private subscriptions: Subscriptions | undefined;
  private sink: EngineSink | undefined;
  private epochCounter = 0;

  /** @throws OptionsError naming a bad `redis.*` setting. */
  constructor(options: Partial<RedisEngineOptions>) {
    this.options = resolveRedisOptions(options);
    this.keys = new KeySpace(this.options.keyPrefix);
    this.publishCommand = this.options.sharded ? 'spublish' : 'publish';
    this.history = new RedisHistory(this.link, this.keys, this.options, this.newEpoch);
    this.presence = new RedisPresence(this.link, this.keys, this.options);
    this.cluster = new RedisClusterControl(this.link, this.keys, this.nodeId, this.options.commandTimeoutMs);
    this.fill = new PagedFill(this.link, this.keys, (topic, since, limit) => this.history.readNow(topic, since, limit, true));
  }

  /** Connects to Redis (rejects when it cannot: a misconfigured URL must fail `listen()`). */
  async start(sink: EngineSink): Promise<void> {
    this.sink = sink;
    const connections = await RedisConnections.connect(this.options);
    connections.commands.defineCommand('sbReadPage', { lua: READ_PAGE, numberOfKeys: 2 });
    this.link.connections = connections;
    const feedHost: FeedHost = {
      deliver: (topic, epoch, seq, payload, exclude, tags) => this.sink?.deliver(topic, epoch, seq, payload, exclude, tags),
      resync: (topic, epoch, seq) => this.sink?.resync?.(topic, epoch, seq),
      top: (topic) => this.history.topNow(topic),
      // In bounded pages, so one big fill never holds Redis for long (paged-fill.ts).
      read: (topic, since, limit) => this.fill.read(topic, since, limit),
      maxFill: this.options.maxFillMessages,
      retryMs: RETRY_MS,
      // One cap for every feed of this node, so many followed topics cannot multiply it.
      queueBudget: new FeedQueueBudget(),
    };
    const subscriptions = new Subscriptions(
      connections.subscriber,
      this.keys,
      feedHost,
      {
        presence: (topic, notice) => this.sink?.announce?.({ kind: notice.type === 'join' ? Kind.Join : Kind.Leave, topic, ...notice.member }),
        control: (channel, message) => this.cluster.handle(channel, message),
        resubscribed: () => this.cluster.catchUp(),
      },
      { sharded: this.options.sharded, lingerMs: this.options.lingerMs, nodeChannels: this.cluster.channels },
    );
    this.subscriptions = subscriptions;
    this.history.subscriptions = subscriptions;
    this.presence.subscriptions = subscriptions;
    await subscriptions.start();
    await this.cluster.start();
    this.presence.start();
  }

  follow(topic: string): void {
    this.subscriptions?.follow(topic);
  }

  unfollow(topic: string): void {
    this.subscriptions?.unfollow(topic);
  }

  ready(): boolean {
    return this.link.connections?.ready ?? false;
  }

  /**
   * Topic channels this node is subscribed to, messages received on them, topics still reconciling
   * after a reconnect, the feeds' reads in flight (now, peak, bound), and the page reads of fills
   * larger than one page (for tests and operators).
   */
  get feedStats(): { channels: number; received: number; reconciling: number; feedReads: { inFlight: number; peak: number; max: number }; fillPages: number } {
    const subscriptions = this.subscriptions;
    return {
      fillPages: this.fill.pages,
      channels: subscriptions?.size ?? 0,
      received: subscriptions?.received ?? 0,
      reconciling: subscriptions?.reconciling ?? 0,
      feedReads: subscriptions?.feedReads ?? { inFlight: 0, peak: 0, max: 0 },
    };
  }

  async publish(topic: string, payload: Uint8Array, options: PublishOptions): Promise<PublishResult> {
    const keys = this.keys.topic(topic);
    const retain = options.retain;
    const key = options.idempotencyKey;
    const head = key === undefined ? [2, keys.meta, keys.stream] : [4, keys.meta, keys.stream, keys.idempotency, keys.idempotencyExpiries];
    const [seq, duplicate] = await this.link.run((client, server) =>
      client.sbPublishBuffer(
        ...head,
        // ioredis sends Buffers as bytes but stringifies a plain Uint8Array: view it, never copy.
        Buffer.isBuffer(payload) ? payload : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength),
        retain === false ? 0 : retain.size,
        retain === false ? 0 : retain.ttlMs,
        this.newEpoch(),
        keys.channel,
        this.publishCommand,
        this.options.streamMetaTtlMs,
        this.options.idempotencyWindowMs,
        key ?? '',
        this.options.maxIdempotencyKeys,
        server.stamp,
        // In the channel message only, not the stream: a fill from history delivers to everyone.
        options.exclude ?? '',
        // In the stream entry and the channel message: a fill applies filters as live delivery does.
        options.tags === undefined ? '' : encodeStoredTags(options.tags),
      ),
      // Sent and unanswered is "outcome unknown" for a publish, never "nothing was published".
      'publish',
    );
    return { seq, duplicate: duplicate === 1 };
  }

  async close(): Promise<void> {
    this.sink = undefined;
    this.cluster.close();
    this.subscriptions?.close();
    await this.presence.close();
    await this.link.connections?.close();
  }

  // Unique per process and call; base64url, so it never contains the ':' that ends a channel header.
  private readonly newEpoch = (): string => `${this.bootId}${(this.epochCounter++).toString(36)}`;
  private readonly bootId = randomBytes(6).toString('base64url');
}
