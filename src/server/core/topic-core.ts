/**
 * The topic core: who follows which topic, and the one door every publication comes in by
 * (`deliver`, called by the engine). A publication is encoded once per wire format that has
 * followers on the topic and handed to the transport's native fan-out; subscriptions start with
 * recovery from history; lagging sockets are handed to the slow lane.
 */
import type { JoinFrame, LeaveFrame, StreamPosition, TopicPosition } from '../../protocol/frames.js';
import { ErrorCode } from '../../protocol/codes.js';
import { ProtocolError } from '../../protocol/errors.js';
import type { TagMatcher, Tags } from '../../protocol/tags.js';
import { assertTopic } from '../../protocol/topic.js';
import type { Namespaces } from '../namespaces/namespaces.js';
import type { Engine, EngineSink } from '../engine/engine.js';
import type { HistoryRead, MaybePromise } from '../engine/history.js';
import type { Fanout } from '../transport/socket.js';
import { Coalescer } from './coalescer.js';
import { excludable } from './exclusion.js';
import { FilteredFollowers } from './filtered-followers.js';
import type { Follower } from './follower.js';
import { catchUp, PendingAttaches, type Start } from './pending-attach.js';
import { SlowConsumers, type LaneHost } from './slow-consumers.js';
import { TopicTally } from './topic-tally.js';
import type { WireFormat } from './wire-format.js';

/** Counters kept as plain integers on the hot path and read by /metrics at scrape time. */
export interface CoreCounters {
  /** History store reads that failed (attaching a subscription, the slow lane's top reads), and presence store calls that failed. */
  storeErrors: number;
  publications: number;
  publishedBytes: number;
  /**
   * Publications times this server's subscribers of their topic at delivery: the messages handed
   * to sockets (lagging ones included, which the slow lane serves), read off the count the core
   * keeps anyway rather than from the transport, which copies outside JavaScript.
   */
  deliveries: number;
}

/** Subscribe answer: the position of every topic in the request (see docs/protocol.md §6). */
export type SubscribeResult = Record<string, TopicPosition>;

/**
 * Which topics of a subscription (without a position for them) start with their most recent
 * publication (docs/protocol.md §3.3): `'all'` (the Subscribe asked, `extras.latest`) or
 * `'namespace'` (those whose namespace has `latest: true`). Absent: none.
 */
export type LatestRule = 'all' | 'namespace';

/**
 * Who wants to hear about subscriptions and presence changes on this server (the Pusher front's
 * webhooks and subscription counts). Called synchronously on the subscribe/unsubscribe path, so
 * an implementation only records or schedules: it never does I/O here.
 */
export interface TopicWatcher {
  /**
   * The number of this server's connections subscribed to `topic` went up by one (`added`) or down
   * by one, to `count` (0: none left).
   */
  counted?(topic: string, count: number, added: boolean): void;
  /**
   * A Join or Leave a presence store decided is due, on the node whose call made it due: with a
   * shared store, once per cluster-wide transition (the other nodes only relay its announcement).
   */
  presenceDue?(notice: JoinFrame | LeaveFrame): void;
}

/** The limits the core enforces. */
export interface CoreLimits {
  maxTopicBytes: number;
  maxReplayMessages: number;
  maxBackpressureBytes: number;
}

export interface TopicCoreDeps {
  fanout: Fanout;
  engine: Engine;
  namespaces: Namespaces;
  /** Every wire format of every protocol front, in the order publications are encoded. */
  wires: readonly WireFormat[];
  limits: CoreLimits;
  /**
   * The open connection of this node with an id, if any (the registry): how a delivery finds the
   * connection it excludes. Absent: exclusions are ignored (every follower gets every publication).
   */
  findConnection?: (id: string) => Follower | undefined;
}

export class TopicCore implements LaneHost, EngineSink {
  readonly counters: CoreCounters = { storeErrors: 0, publications: 0, publishedBytes: 0, deliveries: 0 };
  /** Publications per topic over the last window, bounded (see topic-tally.ts). */
  readonly tally = new TopicTally();
  /** Sockets that fell behind (see slow-consumers.ts). */
  readonly lanes: SlowConsumers;
  readonly namespaces: Namespaces;
  private readonly fanout: Fanout;
  private readonly engine: Engine;
  private readonly wires: readonly WireFormat[];
  private readonly limits: CoreLimits;
  private readonly findConnection: ((id: string) => Follower | undefined) | undefined;
  // Connections of this server subscribed to each topic, whatever their format or lane.
  private readonly followers = new Map<string, number>();
  private readonly pending = new PendingAttaches();
  /** Subscriptions with a tag filter, delivered by JavaScript instead of native fan-out (filtered-followers.ts). */
  readonly filtered = new FilteredFollowers();
  /** Frame coalescing, when any namespace asks for it (the default path never looks at it). */
  readonly coalescer: Coalescer | undefined;
  // Bound once: the memory engine has no follow hooks, so its subscribe path pays one undefined check.
  private readonly followTopic: ((topic: string) => void) | undefined;
  private readonly unfollowTopic: ((topic: string) => void) | undefined;
  private watcher: TopicWatcher | undefined;
  // Whether any namespace says `latest`: without one, a plain Subscribe looks up no namespace for it.
  private readonly anyLatest: boolean;

  constructor(deps: TopicCoreDeps) {
    this.fanout = deps.fanout;
    this.engine = deps.engine;
    this.wires = deps.wires;
    this.limits = deps.limits;
    this.findConnection = deps.findConnection;
    this.namespaces = deps.namespaces;
    this.lanes = new SlowConsumers(this, deps.limits.maxBackpressureBytes);
    const coalescing = deps.namespaces.all().some((namespace) => namespace.coalesceMs !== 0);
    this.coalescer = coalescing ? new Coalescer(deps.fanout, deps.wires) : undefined;
    this.anyLatest = deps.namespaces.all().some((namespace) => namespace.latest);
    this.followTopic = deps.engine.follow?.bind(deps.engine);
    this.unfollowTopic = deps.engine.unfollow?.bind(deps.engine);
  }

  /** Sets the one watcher of subscription counts and presence transitions (see TopicWatcher). */
  watch(watcher: TopicWatcher): void {
    this.watcher = watcher;
  }

  /**
   * A Join or Leave the presence store said is due: the watcher hears of it, and the topic's
   * followers get it unless the store announces it itself.
   */
  presenceDue(notice: JoinFrame | LeaveFrame): void {
    this.watcher?.presenceDue?.(notice);
    if (this.engine.presence.announces !== true) this.announce(notice);
  }

  /** Whether any connection here follows the topic (the engine keeps such topics' streams). */
  readonly isActive = (topic: string): boolean => this.followers.has(topic);

  /**
   * The one door for publications, local or from another node: one message per wire format with
   * followers, handed to native fan-out. `epoch` is the topic's stream epoch (see engine.ts);
   * `exclude` names a connection (of any node) that must not get it (see exclusion.ts); `tags`
   * decide which filtered subscriptions get it (filtered-followers.ts).
   */
  readonly deliver = (topic: string, epoch: string, seq: number, payload: Uint8Array, exclude?: string, tags?: Tags): void => {
    this.counters.publications++;
    this.counters.publishedBytes += payload.length;
    this.counters.deliveries += this.followers.get(topic) ?? 0;
    this.tally.count(topic);
    if (this.pending.size !== 0) this.pending.hold(topic, epoch, seq, payload, tags);
    if (this.lanes.active) this.lanes.deliver(topic, seq, payload, tags);
    // Filtered subscribers are out of native fan-out: they get theirs here, whatever path the rest
    // takes. The ones whose filter does not match were counted as deliveries above: take them back.
    if (this.filtered.active) this.counters.deliveries -= this.filtered.deliver(topic, seq, payload, tags, exclude);
    // The common case pays this one check: exclusions take their own path.
    if (exclude !== undefined) return this.fanOutExcept(topic, seq, payload, exclude);
    if (this.coalescer !== undefined) {
      const windowMs = this.namespaces.match(topic).coalesceMs;
      if (windowMs !== 0) return this.coalescer.add(topic, seq, payload, windowMs);
    }
    const wires = this.wires;
    for (let i = 0; i < wires.length; i++) {
      const wire = wires[i]!;
      if (this.fanout.has(topic, wire.name)) this.fanout.publish(topic, wire.name, wire.message(topic, seq, payload), wire.binary);
    }
  };

  /** Native fan-out of one publication to everyone but connection `exclude`, when it is one of ours there (exclusion.ts). */
  private fanOutExcept(topic: string, seq: number, payload: Uint8Array, exclude: string): void {
    const connection = this.findConnection?.(exclude);
    const sender = excludable(connection, topic) ? connection : undefined;
    // One frame cannot be left out of a batch for one socket: what waits goes first, this one alone.
    this.coalescer?.flush(topic);
    const wires = this.wires;
    for (let i = 0; i < wires.length; i++) {
      const wire = wires[i]!;
      if (!this.fanout.has(topic, wire.name)) continue;
      const message = wire.message(topic, seq, payload);
      if (sender !== undefined && sender.wire.name === wire.name) this.fanout.publishExcept(sender.socket!, topic, wire.name, message, wire.binary);
      else this.fanout.publish(topic, wire.name, message, wire.binary);
    }
  }

  /**
   * The engine could not deliver every publication of `topic` up to `(epoch, seq)` here: a Gap
   * notice with the epoch tells each follower, which then asks for History from its position and
   * is either given what it missed or told `recovered: false` (a restarted stream always is).
   */
  readonly resync = (topic: string, epoch: string, seq: number): void => {
    // Connections still attaching are not in fan-out yet: their catch-up sees the resync instead.
    if (this.pending.size !== 0) this.pending.hold(topic, epoch, seq, undefined);
    this.coalescer?.flush(topic);
    // Lagging sockets are out of fan-out: the lane gives them this Gap when they catch up.
    if (this.lanes.active) this.lanes.resync(topic, epoch, seq);
    if (this.filtered.active) this.filtered.resync(topic, epoch, seq);
    const wires = this.wires;
    for (let i = 0; i < wires.length; i++) {
      const wire = wires[i]!;
      if (this.fanout.has(topic, wire.name)) this.fanout.publish(topic, wire.name, wire.gap(topic, seq, epoch), wire.binary);
    }
  };

  /** Sends a Join or Leave to the topic's followers in every format (also the sink door for stores that announce themselves). */
  readonly announce = (notice: JoinFrame | LeaveFrame): void => {
    // Publications waiting in a batch were made before this notice: they go first.
    this.coalescer?.flush(notice.topic);
    if (this.filtered.active) this.filtered.announce(notice);
    for (const wire of this.wires) {
      if (this.fanout.has(notice.topic, wire.name)) this.fanout.publish(notice.topic, wire.name, wire.presence(notice), wire.binary);
    }
  };

  /** Topics with at least one connection subscribed on this server (a live view: copy before changing subscriptions). */
  followedTopics(): IterableIterator<string> {
    return this.followers.keys();
  }

  /** Number of connections subscribed to a topic on this server, all formats. */
  subscriberCount(topic: string): number {
    return this.followers.get(topic) ?? 0;
  }

  /**
   * Forgets a closed connection's subscriptions. The transport has already unsubscribed the socket
   * from its fan-out; this undoes our own bookkeeping and sends leave notices.
   */
  closed(connection: Follower): void {
    for (const topic of connection.topics) {
      this.unfollow(connection, topic);
      this.forget(connection, topic);
    }
    connection.topics.clear();
    connection.lag = undefined;
  }

  /**
   * Subscribes a connection to topics and answers each topic's position. Validates every name
   * first (throws INVALID_TOPIC), so no path, including server-side `client.subscribe()`, can reach
   * a transport's internal names. With a position for a topic, the publications after it are
   * replayed to the connection (before any live one, none twice) when history still has all of them;
   * without one, topics that `latest` names start with their most recent publication, the same way.
   * With a `filter`, each new subscription of the call gets only matching publications, live and
   * replayed (a topic already followed keeps the filter it was subscribed with).
   */
  subscribe(
    connection: Follower,
    topics: readonly string[],
    positions?: Readonly<Record<string, StreamPosition>>,
    latest?: LatestRule,
    filter?: TagMatcher,
  ): MaybePromise<SubscribeResult> {
    for (const topic of topics) assertTopic(topic, this.limits.maxTopicBytes);
    const result: SubscribeResult = {};
    if (connection.socket === undefined) return result;
    let waits: Array<Promise<void>> | undefined;
    for (const topic of topics) {
      let answer: MaybePromise<TopicPosition>;
      if (connection.topics.has(topic)) {
        answer = this.engine.history.top(topic);
      } else {
        connection.topics.add(topic);
        const count = this.followers.get(topic) ?? 0;
        this.followers.set(topic, count + 1);
        // Before the history read: a distributed engine must be listening when the read answers.
        if (count === 0 && this.followTopic !== undefined) this.followTopic(topic);
        this.watcher?.counted?.(topic, count + 1, true);
        if (filter !== undefined) this.filtered.set(connection, topic, filter);
        const position = positions !== undefined && Object.hasOwn(positions, topic) ? positions[topic] : undefined;
        answer = this.attach(connection, topic, position === undefined && latest !== undefined && this.startsLatest(topic, latest) ? 'latest' : position);
        if (connection.wire.ownPresence !== true && this.namespaces.match(topic).presence) this.notify(this.engine.presence.join(topic, connection));
      }
      if (answer instanceof Promise) (waits ??= []).push(answer.then((position) => void (result[topic] = position)));
      else result[topic] = answer;
    }
    return waits === undefined ? result : Promise.all(waits).then(() => result);
  }

  unsubscribe(connection: Follower, topics: readonly string[]): void {
    if (connection.socket === undefined) return;
    for (const topic of topics) {
      if (!connection.topics.delete(topic)) continue;
      this.unfollow(connection, topic);
      this.forget(connection, topic);
    }
  }

  /**
   * Replays what a subscribed topic published after `since` (the client saw a gap), then answers
   * the topic's position. Throws ProtocolError(NOT_SUBSCRIBED) for a topic it does not follow.
   */
  replay(connection: Follower, topic: string, since: StreamPosition): MaybePromise<TopicPosition> {
    if (!connection.topics.has(topic)) throw new ProtocolError(ErrorCode.NotSubscribed, 'not subscribed to this topic');
    // What is waiting in a batch goes out first, so the replay cannot be overtaken by it.
    this.coalescer?.flush(topic);
    const read = this.engine.history.read(topic, since, this.limits.maxReplayMessages);
    const matches = this.filtered.matcher(connection, topic);
    const send = (history: HistoryRead): TopicPosition => {
      if (history.recovered && !connection.closed) {
        for (const publication of history.publications) {
          if (matches === undefined || matches(publication.tags)) connection.sendPublication(topic, publication.seq, publication.payload);
        }
      }
      return { epoch: history.epoch, seq: history.seq, recovered: history.recovered };
    };
    if (!(read instanceof Promise)) return send(read);
    return read.then((history) => {
      let position: TopicPosition | undefined;
      connection.corked(() => (position = send(history)));
      return position ?? { epoch: history.epoch, seq: history.seq, recovered: false };
    });
  }

  /** The filter of a connection's subscription to `topic`, if it has one (the slow lane conflates only matches). */
  filterOf(connection: Follower, topic: string): TagMatcher | undefined {
    return this.filtered.matcher(connection, topic);
  }

  /** The topic's last seq (for the slow lane's Gap notices); a failed async read is counted in storeErrors. */
  topSeq(topic: string): MaybePromise<number> {
    const top = this.engine.history.top(topic);
    if (!(top instanceof Promise)) return top.seq;
    return top.then(
      (position) => position.seq,
      (err: unknown) => {
        this.counters.storeErrors++;
        throw err;
      },
    );
  }

  /** Retained publications of a topic: after `since` (all or nothing), or the latest `limit`. */
  history(topic: string, since: StreamPosition | null, limit: number): MaybePromise<HistoryRead> {
    assertTopic(topic, this.limits.maxTopicBytes);
    return this.engine.history.read(topic, since, Math.min(limit, this.limits.maxReplayMessages));
  }

  /** Whether a new subscription to `topic` starts with its latest publication (a namespace without history has none to give). */
  private startsLatest(topic: string, latest: LatestRule): boolean {
    if (latest === 'namespace' && !this.anyLatest) return false;
    const namespace = this.namespaces.match(topic);
    return namespace.history !== false && (latest === 'all' || namespace.latest);
  }

  /** Starts live delivery of a topic to a connection, with replay from `start` first (see Start). */
  private attach(connection: Follower, topic: string, start: Start): MaybePromise<TopicPosition> {
    const history = this.engine.history;
    // The latest publication is a replay of one: the same read, hold-and-merge and answer as recovery.
    const read =
      start === undefined ? history.top(topic) : start === 'latest' ? history.read(topic, null, 1) : history.read(topic, start, this.limits.maxReplayMessages);
    if (!(read instanceof Promise)) {
      // Synchronous store: nothing can be published between the read and the native subscribe.
      const answer = catchUp(connection, topic, start, read, undefined, this.filtered.matcher(connection, topic));
      this.follow(connection, topic);
      return answer;
    }
    // Async store: hold live publications for this connection until the read is back.
    const waiting = this.pending.add(topic, connection);
    (connection.attaching ??= new Set()).add(topic);
    return read.then(
      (answer) => {
        this.pending.done(topic, waiting);
        let answered: TopicPosition = { epoch: answer.epoch, seq: answer.seq };
        // Left (or closed) while the read was in flight: unfollow already removed the mark.
        if (connection.closed || connection.attaching?.delete(topic) !== true) return answered;
        connection.corked(() => {
          answered = catchUp(connection, topic, start, answer, waiting.held, this.filtered.matcher(connection, topic));
          this.follow(connection, topic);
        });
        return answered;
      },
      (err: unknown) => {
        this.pending.done(topic, waiting);
        this.counters.storeErrors++;
        if (connection.attaching?.delete(topic) === true && connection.topics.delete(topic)) this.forget(connection, topic);
        throw err;
      },
    );
  }

  /** Delivery of a topic to a connection: native fan-out, or the slow lane while it lags. */
  private follow(connection: Follower, topic: string): void {
    if (connection.lag !== undefined) this.lanes.add(connection, topic);
    else this.attachNative(connection, topic);
  }

  private unfollow(connection: Follower, topic: string): void {
    if (connection.attaching?.delete(topic)) return; // never reached fan-out; the pending read sees it left
    if (connection.lag !== undefined) this.lanes.remove(connection, topic);
    else this.detachNative(connection, topic);
  }

  /** Native fan-out: from here on the transport sends the topic's publications to the socket. */
  attachNative(connection: Follower, topic: string): void {
    const socket = connection.socket;
    if (socket === undefined) return;
    // A filtered subscription is delivered by the core, never by native fan-out.
    if (this.filtered.attach(connection, topic)) return;
    // A waiting batch holds publications this connection already has (replay, held, Gap): send it
    // to the followers it was meant for before this one joins.
    this.coalescer?.flush(topic);
    this.fanout.subscribe(socket, topic, connection.wire.name);
  }

  /** Ends native fan-out to the connection (after close the transport has done it; only bookkeeping is left). */
  detachNative(connection: Follower, topic: string): void {
    if (this.filtered.detach(connection, topic)) return;
    // Publications already past the engine belong to this follower too (the slow lane counts from
    // the next one on).
    if (connection.socket !== undefined) this.coalescer?.flush(topic);
    this.fanout.unsubscribe(connection.socket, topic, connection.wire.name);
  }

  /** Sends every waiting batch and stops coalescing timers (server shutdown). */
  flushAll(): void {
    this.coalescer?.close();
  }

  private forget(connection: Follower, topic: string): void {
    this.filtered.delete(connection, topic);
    const left = (this.followers.get(topic) ?? 1) - 1;
    if (left > 0) this.followers.set(topic, left);
    else {
      this.followers.delete(topic);
      if (this.unfollowTopic !== undefined) this.unfollowTopic(topic);
    }
    this.watcher?.counted?.(topic, left, false);
    if (connection.wire.ownPresence !== true && this.namespaces.match(topic).presence) this.notify(this.engine.presence.leave(topic, connection));
  }

  /** Hands a Join or Leave the presence store says is due to `presenceDue`. */
  private notify(notice: MaybePromise<JoinFrame | LeaveFrame | undefined>): void {
    if (notice instanceof Promise) {
      notice.then(
        (due) => {
          if (due !== undefined) this.presenceDue(due);
        },
        () => this.counters.storeErrors++,
      );
    } else if (notice !== undefined) {
      this.presenceDue(notice);
    }
  }
}
