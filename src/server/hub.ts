/**
 * The hub: the registry of open connections, their topic subscriptions, and the publish path
 * (pack once → broker → one frame per format → uWS fans it out natively).
 */
import { jsonCodec, jsonMessageFrame, msgpackCodec, msgpackMessageFrame, packValue } from '../protocol/codec.js';
import type { JoinFrame, LeaveFrame, StreamPosition, TopicPosition } from '../protocol/frames.js';
import { ErrorCode } from '../protocol/codes.js';
import { LimitError, ProtocolError } from '../protocol/errors.js';
import { assertTopic } from '../protocol/topic.js';
import type { Broker } from './broker.js';
import type { Connection, ConnectionHost } from './connection.js';
import type { HistoryRead, MaybePromise } from './history.js';
import type { Namespaces } from './namespaces.js';
import { SlowConsumers, type LaneHost } from './slow-consumers.js';
import { PresenceRegistry } from './presence.js';
import { UserIndex } from './user-index.js';
import type { TemplatedApp } from './uws.js';

// JSON-mode sockets subscribe to a parallel uWS topic so each format's frame is built once per
// publication. The prefix contains a space, which valid topic names never do, so it cannot collide.
const JSON_TOPIC_PREFIX = 'json ';

/** Counters kept as plain integers on the hot path and read by /metrics at scrape time. */
export interface HubCounters {
  connectionsOpened: number;
  /** History store reads that failed while attaching a subscription. */
  storeErrors: number;
  publications: number;
  publishedBytes: number;
}

/** Subscribe answer: the position of every topic in the request (see docs/protocol.md §6). */
export type SubscribeResult = Record<string, TopicPosition>;

/** A connection waiting for an async history read; live publications meanwhile are kept here. */
interface Attaching {
  readonly connection: Connection;
  readonly buffered: Array<{ seq: number; payload: Uint8Array }>;
}

export class Hub implements ConnectionHost, LaneHost {
  /** Open connections by id. */
  readonly connections = new Map<string, Connection>();
  readonly counters: HubCounters = { connectionsOpened: 0, storeErrors: 0, publications: 0, publishedBytes: 0 };
  /** Who is on each presence-enabled topic. */
  readonly presence = new PresenceRegistry();
  /** Open connections by user id (anonymous ones are not indexed). */
  readonly users = new UserIndex<Connection>();
  // Number of JSON-mode subscribers per topic; absent means none, so msgpack-only topics never
  // pay for a JSON frame.
  private readonly jsonSubscribers = new Map<string, number>();
  // Connections of this server subscribed to each topic, whatever their format or lane.
  private readonly followers = new Map<string, number>();
  // Topic → connections whose subscription waits for an async history read.
  private readonly attaching = new Map<string, Set<Attaching>>();

  /** Sockets that fell behind (see slow-consumers.ts). */
  readonly lanes: SlowConsumers;

  constructor(
    private readonly app: TemplatedApp,
    private readonly broker: Broker,
    private readonly limits: { maxTopicBytes: number; maxReplayMessages: number; maxBackpressureBytes: number },
    readonly namespaces: Namespaces,
  ) {
    this.lanes = new SlowConsumers(this, limits.maxBackpressureBytes);
  }

  /**
   * Publishes `data` to a topic; resolves to the topic sequence number assigned. With
   * `fromClient`, the namespace's `maxPublishBytes` applies (LimitError PAYLOAD_TOO_LARGE).
   */
  publish(topic: string, data: unknown, fromClient = false): number | Promise<number> {
    assertTopic(topic, this.limits.maxTopicBytes);
    const namespace = this.namespaces.match(topic);
    const payload = packValue(data);
    if (fromClient && namespace.maxPublishBytes > 0 && payload.length > namespace.maxPublishBytes) {
      throw new LimitError(ErrorCode.PayloadTooLarge, `data larger than ${namespace.maxPublishBytes} bytes for this topic`);
    }
    return this.broker.publish(topic, payload, namespace.history);
  }

  /** Publishes the same data to several topics, packing it once. */
  broadcast(topics: readonly string[], data: unknown): Array<number | Promise<number>> {
    for (const topic of topics) assertTopic(topic, this.limits.maxTopicBytes);
    const payload = packValue(data);
    return topics.map((topic) => this.broker.publish(topic, payload, this.namespaces.match(topic).history));
  }

  /** Whether any connection here follows the topic (the history store keeps such topics' sequence). */
  readonly isActive = (topic: string): boolean => this.followers.has(topic);

  /** The broker's delivery callback: one frame per format, handed to uWS for native fan-out. */
  readonly deliver = (topic: string, seq: number, payload: Uint8Array): void => {
    this.counters.publications++;
    this.counters.publishedBytes += payload.length;
    if (this.attaching.size !== 0) this.bufferForAttaching(topic, seq, payload);
    if (this.lanes.active) this.lanes.deliver(topic, seq, payload);
    if (this.app.numSubscribers(topic) > 0) {
      this.app.publish(topic, msgpackMessageFrame(topic, seq, payload), true);
    }
    if (this.jsonSubscribers.has(topic)) {
      this.app.publish(JSON_TOPIC_PREFIX + topic, jsonMessageFrame(topic, seq, payload), false);
    }
  };

  /** Number of connections subscribed to a topic on this server, all formats. */
  subscriberCount(topic: string): number {
    return this.followers.get(topic) ?? 0;
  }

  add(connection: Connection): void {
    this.connections.set(connection.id, connection);
    this.users.add(connection);
    this.counters.connectionsOpened++;
  }

  /**
   * Forgets a closed connection. uWS has already unsubscribed the socket from its uWS topics;
   * this undoes our own bookkeeping and sends leave notices.
   */
  remove(connection: Connection): void {
    this.connections.delete(connection.id);
    this.users.delete(connection);
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
   * the internal JSON topics. With a position for a topic, the publications after it are replayed
   * to the connection (before any live one, none twice) when history still has all of them.
   */
  subscribe(connection: Connection, topics: readonly string[], positions?: Readonly<Record<string, StreamPosition>>): MaybePromise<SubscribeResult> {
    for (const topic of topics) assertTopic(topic, this.limits.maxTopicBytes);
    const result: SubscribeResult = {};
    if (connection.socket === undefined) return result;
    let waits: Array<Promise<void>> | undefined;
    for (const topic of topics) {
      let answer: MaybePromise<TopicPosition>;
      if (connection.topics.has(topic)) {
        answer = this.broker.history.top(topic);
      } else {
        connection.topics.add(topic);
        this.followers.set(topic, (this.followers.get(topic) ?? 0) + 1);
        answer = this.attach(connection, topic, positions !== undefined && Object.hasOwn(positions, topic) ? positions[topic] : undefined);
        if (this.namespaces.match(topic).presence) this.announce(this.presence.join(topic, connection));
      }
      if (answer instanceof Promise) (waits ??= []).push(answer.then((position) => void (result[topic] = position)));
      else result[topic] = answer;
    }
    return waits === undefined ? result : Promise.all(waits).then(() => result);
  }

  /**
   * Replays what a subscribed topic published after `since` (the client saw a gap), then answers
   * the topic's position. Throws ProtocolError(NOT_SUBSCRIBED) for a topic it does not follow.
   */
  replay(connection: Connection, topic: string, since: StreamPosition): MaybePromise<TopicPosition> {
    if (!connection.topics.has(topic)) throw new ProtocolError(ErrorCode.NotSubscribed, 'not subscribed to this topic');
    const read = this.broker.history.read(topic, since, this.limits.maxReplayMessages);
    const send = (history: HistoryRead): TopicPosition => {
      if (history.recovered && !connection.closed) {
        for (const publication of history.publications) connection.sendPublication(topic, publication.seq, publication.payload);
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

  /** The topic's last seq when the history store answers synchronously (for Gap notices). */
  topSeq(topic: string): number | undefined {
    const top = this.broker.history.top(topic);
    return top instanceof Promise ? undefined : top.seq;
  }

  /** Memory the history store accounts for, when it reports it (the in-memory store does). */
  historyBytes(): number {
    return this.broker.history.bytes ?? 0;
  }

  /** Retained publications of a topic: after `since` (all or nothing), or the latest `limit`. */
  history(topic: string, since: StreamPosition | null, limit: number): MaybePromise<HistoryRead> {
    assertTopic(topic, this.limits.maxTopicBytes);
    return this.broker.history.read(topic, since, Math.min(limit, this.limits.maxReplayMessages));
  }

  /** Starts live delivery of a topic to a connection, with replay from `position` first. */
  private attach(connection: Connection, topic: string, position: StreamPosition | undefined): MaybePromise<TopicPosition> {
    const history = this.broker.history;
    const read = position === undefined ? history.top(topic) : history.read(topic, position, this.limits.maxReplayMessages);
    if (!(read instanceof Promise)) {
      // Synchronous store: nothing can be published between the read and the native subscribe.
      const answer = this.catchUp(connection, topic, position, read, undefined);
      this.follow(connection, topic);
      return answer;
    }
    // Async store: hold live publications for this connection until the read is back, then send
    // replay, then the held ones it did not cover, then switch to native delivery, in one step.
    const waiting: Attaching = { connection, buffered: [] };
    (connection.attaching ??= new Set()).add(topic);
    let set = this.attaching.get(topic);
    if (set === undefined) this.attaching.set(topic, (set = new Set()));
    set.add(waiting);
    const done = () => {
      set.delete(waiting);
      if (set.size === 0 && this.attaching.get(topic) === set) this.attaching.delete(topic);
    };
    return read.then(
      (answer) => {
        done();
        let position_: TopicPosition = { epoch: answer.epoch, seq: answer.seq };
        // Left (or closed) while the read was in flight: unfollow already removed the mark.
        if (connection.closed || connection.attaching?.delete(topic) !== true) return position_;
        connection.corked(() => {
          position_ = this.catchUp(connection, topic, position, answer, waiting.buffered);
          this.follow(connection, topic);
        });
        return position_;
      },
      (err: unknown) => {
        done();
        this.counters.storeErrors++;
        if (connection.attaching?.delete(topic) === true && connection.topics.delete(topic)) this.forget(connection, topic);
        throw err;
      },
    );
  }

  private catchUp(
    connection: Connection,
    topic: string,
    position: StreamPosition | undefined,
    read: StreamPosition | HistoryRead,
    buffered: Attaching['buffered'] | undefined,
  ): TopicPosition {
    let seq = read.seq;
    const recovered = 'recovered' in read ? read.recovered : false;
    if (position !== undefined && recovered) {
      for (const publication of (read as HistoryRead).publications) {
        if (publication.seq > position.seq) connection.sendPublication(topic, publication.seq, publication.payload);
      }
    }
    if (buffered !== undefined) {
      for (const live of buffered) {
        if (live.seq <= seq) continue;
        connection.sendPublication(topic, live.seq, live.payload);
        seq = live.seq;
      }
    }
    return position === undefined ? { epoch: read.epoch, seq } : { epoch: read.epoch, seq, recovered };
  }

  /** Delivery of a topic to a connection: native uWS fan-out, or the slow lane while it lags. */
  private follow(connection: Connection, topic: string): void {
    if (connection.lag !== undefined) this.lanes.add(connection, topic);
    else this.attachNative(connection, topic);
  }

  private unfollow(connection: Connection, topic: string): void {
    if (connection.attaching?.delete(topic)) return; // never reached uWS; the pending read sees it left
    if (connection.lag !== undefined) this.lanes.remove(connection, topic);
    else this.detachNative(connection, topic);
  }

  /** Native uWS subscription: from here on uWS fans publications out to the socket. */
  attachNative(connection: Connection, topic: string): void {
    const socket = connection.socket;
    if (socket === undefined) return;
    if (connection.format === 'json') {
      socket.subscribe(JSON_TOPIC_PREFIX + topic);
      this.jsonSubscribers.set(topic, (this.jsonSubscribers.get(topic) ?? 0) + 1);
    } else {
      socket.subscribe(topic);
    }
  }

  /** Ends native fan-out to the connection (after close uWS has done it; only bookkeeping is left). */
  detachNative(connection: Connection, topic: string): void {
    const socket = connection.socket;
    if (connection.format === 'json') {
      socket?.unsubscribe(JSON_TOPIC_PREFIX + topic);
      const left = (this.jsonSubscribers.get(topic) ?? 1) - 1;
      if (left > 0) this.jsonSubscribers.set(topic, left);
      else this.jsonSubscribers.delete(topic);
    } else {
      socket?.unsubscribe(topic);
    }
  }

  private bufferForAttaching(topic: string, seq: number, payload: Uint8Array): void {
    const set = this.attaching.get(topic);
    if (set !== undefined) for (const waiting of set) waiting.buffered.push({ seq, payload });
  }

  unsubscribe(connection: Connection, topics: readonly string[]): void {
    if (connection.socket === undefined) return;
    for (const topic of topics) {
      if (!connection.topics.delete(topic)) continue;
      this.unfollow(connection, topic);
      this.forget(connection, topic);
    }
  }

  private forget(connection: Connection, topic: string): void {
    const left = (this.followers.get(topic) ?? 1) - 1;
    if (left > 0) this.followers.set(topic, left);
    else this.followers.delete(topic);
    if (this.namespaces.match(topic).presence) this.announce(this.presence.leave(topic, connection));
  }

  /** Sends a Join or Leave (if one is due) to the topic's subscribers in both formats. */
  private announce(frame: JoinFrame | LeaveFrame | undefined): void {
    if (frame === undefined) return;
    if (this.app.numSubscribers(frame.topic) > 0) this.app.publish(frame.topic, msgpackCodec.encode(frame), true);
    if (this.jsonSubscribers.has(frame.topic)) this.app.publish(JSON_TOPIC_PREFIX + frame.topic, jsonCodec.encode(frame), false);
  }
}
