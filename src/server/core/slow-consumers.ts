/**
 * Slow consumers: what happens to a socket whose send buffer passes `maxBackpressureBytes`.
 *
 * Sockets that keep up never leave the transport's native fan-out. A socket found over the limit (by the
 * periodic check) is handled by its topics' namespace policies: if any topic says
 * `close`, it is closed with SLOW_CONSUMER (4003); otherwise it moves to the slow lane, where fan-out no
 * longer sends it publications and this module records per topic either the last skipped seq
 * (`drop`) or the newest publication (`conflate`: one entry per topic, never a queue). Once the
 * socket drains below half the limit, it gets the newest publication of each conflated topic and a
 * Gap notice with the topic's seq for every other topic (it may have missed messages there, also
 * ones the transport dropped at its hard cap before the check saw the socket), then rejoins native fan-out.
 */
import { CloseCode } from '../../protocol/codes.js';
import type { Namespaces } from '../config/namespaces.js';
import type { Connection } from '../connection/connection.js';

/** What the slow lane needs from the topic core. */
export interface LaneHost {
  readonly namespaces: Namespaces;
  /** Starts native fan-out of a topic to the connection. */
  attachNative(connection: Connection, topic: string): void;
  /** Stops native fan-out of a topic to the connection. */
  detachNative(connection: Connection, topic: string): void;
  /** The topic's last seq when the history store can tell synchronously (undefined otherwise). */
  topSeq(topic: string): number | undefined;
}

export interface SlowConsumerCounters {
  /** Connections moved to the slow lane. */
  lagged: number;
  /** Connections closed with SLOW_CONSUMER. */
  closed: number;
  /** Publications not sent to a lagging connection (`drop`). */
  skipped: number;
  /** Publications replaced by a newer one before a lagging connection could take them (`conflate`). */
  conflated: number;
}

export class SlowConsumers {
  readonly counters: SlowConsumerCounters = { lagged: 0, closed: 0, skipped: 0, conflated: 0 };
  // Topic → lagging connections subscribed to it.
  private readonly byTopic = new Map<string, Set<Connection>>();

  constructor(
    private readonly host: LaneHost,
    /** Buffered bytes at which a socket counts as slow. */
    private readonly limitBytes: number,
  ) {}

  /** Whether any connection is lagging (the core's fast path skips `deliver` otherwise). */
  get active(): boolean {
    return this.byTopic.size !== 0;
  }

  /** Looks at one connection's buffer: moves it into or out of the slow lane, or closes it. */
  check(connection: Connection): void {
    if (connection.closed || connection.topics.size === 0) return;
    const buffered = connection.bufferedAmount;
    if (connection.lag === undefined) {
      if (buffered >= this.limitBytes) this.fallBehind(connection);
    } else if (buffered < this.limitBytes / 2) {
      this.catchUp(connection);
    }
  }

  /** A publication for the lagging connections on `topic`: recorded by policy, not sent. */
  deliver(topic: string, seq: number, payload: Uint8Array): void {
    const lagging = this.byTopic.get(topic);
    if (lagging === undefined) return;
    const conflate = this.host.namespaces.match(topic).slowConsumer === 'conflate';
    for (const connection of lagging) {
      const lag = connection.lag!;
      if (conflate) {
        if (lag.newest.has(topic)) this.counters.conflated++;
        lag.newest.set(topic, { seq, payload });
      } else {
        this.counters.skipped++;
        lag.skipped.set(topic, seq);
      }
    }
  }

  /** A lagging connection subscribed to another topic. */
  add(connection: Connection, topic: string): void {
    let lagging = this.byTopic.get(topic);
    if (lagging === undefined) this.byTopic.set(topic, (lagging = new Set()));
    lagging.add(connection);
  }

  /** A lagging connection left a topic (or closed). */
  remove(connection: Connection, topic: string): void {
    const lagging = this.byTopic.get(topic);
    if (lagging === undefined) return;
    lagging.delete(connection);
    if (lagging.size === 0) this.byTopic.delete(topic);
    connection.lag?.skipped.delete(topic);
    connection.lag?.newest.delete(topic);
  }

  private fallBehind(connection: Connection): void {
    for (const topic of connection.topics) {
      if (this.host.namespaces.match(topic).slowConsumer === 'close') {
        this.counters.closed++;
        connection.close(CloseCode.SlowConsumer, 'slow consumer');
        return;
      }
    }
    this.counters.lagged++;
    connection.lag = { skipped: new Map(), newest: new Map() };
    for (const topic of connection.topics) {
      if (connection.attaching?.has(topic)) continue;
      this.host.detachNative(connection, topic);
      this.add(connection, topic);
    }
  }

  private catchUp(connection: Connection): void {
    const lag = connection.lag!;
    connection.lag = undefined;
    connection.corked(() => {
      for (const topic of connection.topics) {
        if (connection.attaching?.has(topic)) continue;
        const newest = lag.newest.get(topic);
        if (newest !== undefined) {
          connection.sendPublication(topic, newest.seq, newest.payload);
        } else {
          // Skipped here, or possibly dropped by the transport's hard cap before the check noticed the
          // socket: a Gap notice with the topic's seq costs a client that is up to date nothing.
          const seq = lag.skipped.get(topic) ?? this.host.topSeq(topic);
          if (seq !== undefined && seq > 0) connection.sendGap(topic, seq);
        }
        this.remove(connection, topic);
        this.host.attachNative(connection, topic);
      }
    });
  }
}
