/**
 * The hub: the registry of open connections, their topic subscriptions, and the publish path
 * (pack once → broker → one frame per format → uWS fans it out natively).
 */
import { jsonCodec, jsonMessageFrame, msgpackCodec, msgpackMessageFrame, packValue } from '../protocol/codec.js';
import type { JoinFrame, LeaveFrame } from '../protocol/frames.js';
import { assertTopic } from '../protocol/topic.js';
import type { Broker } from './broker.js';
import type { Connection, ConnectionHost } from './connection.js';
import type { Namespaces } from './namespaces.js';
import { PresenceRegistry } from './presence.js';
import { UserIndex } from './user-index.js';
import type { TemplatedApp } from './uws.js';

// JSON-mode sockets subscribe to a parallel uWS topic so each format's frame is built once per
// publication. The prefix contains a space, which valid topic names never do, so it cannot collide.
const JSON_TOPIC_PREFIX = 'json ';

/** Counters kept as plain integers on the hot path and read by /metrics at scrape time. */
export interface HubCounters {
  connectionsOpened: number;
  publications: number;
  publishedBytes: number;
}

export class Hub implements ConnectionHost {
  /** Open connections by id. */
  readonly connections = new Map<string, Connection>();
  readonly counters: HubCounters = { connectionsOpened: 0, publications: 0, publishedBytes: 0 };
  /** Who is on each presence-enabled topic. */
  readonly presence = new PresenceRegistry();
  /** Open connections by user id (anonymous ones are not indexed). */
  readonly users = new UserIndex<Connection>();
  // Number of JSON-mode subscribers per topic; absent means none, so msgpack-only topics never
  // pay for a JSON frame.
  private readonly jsonSubscribers = new Map<string, number>();

  constructor(
    private readonly app: TemplatedApp,
    private readonly broker: Broker,
    private readonly limits: { maxTopicBytes: number },
    readonly namespaces: Namespaces,
  ) {}

  /** Publishes `data` to a topic; resolves to the topic sequence number assigned. */
  publish(topic: string, data: unknown): number | Promise<number> {
    assertTopic(topic, this.limits.maxTopicBytes);
    return this.broker.publish(topic, packValue(data));
  }

  /** Publishes the same data to several topics, packing it once. */
  broadcast(topics: readonly string[], data: unknown): Array<number | Promise<number>> {
    for (const topic of topics) assertTopic(topic, this.limits.maxTopicBytes);
    const payload = packValue(data);
    return topics.map((topic) => this.broker.publish(topic, payload));
  }

  /** The broker's delivery callback: one frame per format, handed to uWS for native fan-out. */
  readonly deliver = (topic: string, seq: number, payload: Uint8Array): void => {
    this.counters.publications++;
    this.counters.publishedBytes += payload.length;
    if (this.app.numSubscribers(topic) > 0) {
      this.app.publish(topic, msgpackMessageFrame(topic, seq, payload), true);
    }
    if (this.jsonSubscribers.has(topic)) {
      this.app.publish(JSON_TOPIC_PREFIX + topic, jsonMessageFrame(topic, seq, payload), false);
    }
  };

  /** Number of sockets subscribed to a topic on this server, all formats. */
  subscriberCount(topic: string): number {
    return this.app.numSubscribers(topic) + (this.jsonSubscribers.get(topic) ?? 0);
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
    for (const topic of connection.topics) this.forget(connection, topic);
    connection.topics.clear();
  }

  /**
   * Subscribes a connection to topics. Validates every name first (throws INVALID_TOPIC), so no
   * path, including server-side `client.subscribe()`, can reach the internal JSON topics.
   */
  subscribe(connection: Connection, topics: readonly string[]): void {
    for (const topic of topics) assertTopic(topic, this.limits.maxTopicBytes);
    const socket = connection.socket;
    if (socket === undefined) return;
    for (const topic of topics) {
      if (connection.topics.has(topic)) continue;
      connection.topics.add(topic);
      if (connection.format === 'json') {
        socket.subscribe(JSON_TOPIC_PREFIX + topic);
        this.jsonSubscribers.set(topic, (this.jsonSubscribers.get(topic) ?? 0) + 1);
      } else {
        socket.subscribe(topic);
      }
      if (this.namespaces.match(topic).presence) this.announce(this.presence.join(topic, connection));
    }
  }

  unsubscribe(connection: Connection, topics: readonly string[]): void {
    const socket = connection.socket;
    if (socket === undefined) return;
    for (const topic of topics) {
      if (!connection.topics.delete(topic)) continue;
      socket.unsubscribe(connection.format === 'json' ? JSON_TOPIC_PREFIX + topic : topic);
      this.forget(connection, topic);
    }
  }

  private forget(connection: Connection, topic: string): void {
    if (connection.format === 'json') {
      const left = (this.jsonSubscribers.get(topic) ?? 1) - 1;
      if (left > 0) this.jsonSubscribers.set(topic, left);
      else this.jsonSubscribers.delete(topic);
    }
    if (this.namespaces.match(topic).presence) this.announce(this.presence.leave(topic, connection));
  }

  /** Sends a Join or Leave (if one is due) to the topic's subscribers in both formats. */
  private announce(frame: JoinFrame | LeaveFrame | undefined): void {
    if (frame === undefined) return;
    if (this.app.numSubscribers(frame.topic) > 0) this.app.publish(frame.topic, msgpackCodec.encode(frame), true);
    if (this.jsonSubscribers.has(frame.topic)) this.app.publish(JSON_TOPIC_PREFIX + frame.topic, jsonCodec.encode(frame), false);
  }
}
