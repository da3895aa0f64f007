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
 * A resync (engine.ts) while it lags is kept and sent as the Gap with the epoch native followers got.
 *
 * Where nothing was recorded, the Gap's seq is the topic's top from the history store. An async store
 * (Redis) answers after the socket rejoined fan-out, so that Gap may follow the first live messages
 * (a client that has them ignores it). A store that cannot answer (Redis down) is asked again every
 * GAP_RETRY_MS until it does or the socket left the topic: a Gap without the real top would give the
 * client no position to recover from, and History cannot be served before the store is back anyway.
 */
import { CloseCode } from '../../protocol/codes.js';
import type { TagMatcher, Tags } from '../../protocol/tags.js';
import type { Namespaces } from '../namespaces/namespaces.js';
import type { Follower } from './follower.js';
import type { MaybePromise } from '../engine/history.js';

/** How often the top of a topic owed a Gap is asked again while the history store fails. */
export const GAP_RETRY_MS = 1000; // 1 s

/** What the slow lane needs from the topic core. */
export interface LaneHost {
  readonly namespaces: Namespaces;
  /** Starts native fan-out of a topic to the connection. */
  attachNative(connection: Follower, topic: string): void;
  /** Stops native fan-out of a topic to the connection. */
  detachNative(connection: Follower, topic: string): void;
  /** The topic's last seq from the history store (a promise from an async store, which may reject). */
  topSeq(topic: string): MaybePromise<number>;
  /** The tag filter of the connection's subscription to the topic, if any. */
  filterOf?(connection: Follower, topic: string): TagMatcher | undefined;
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
  private readonly byTopic = new Map<string, Set<Follower>>();
  // Topic → caught-up connections owed a Gap at the topic's top, which an async store has not told yet.
  private readonly owed = new Map<string, { connections: Set<Follower>; reading: boolean }>();
  private retry: ReturnType<typeof setTimeout> | undefined;

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
  check(connection: Follower): void {
    if (connection.closed || connection.topics.size === 0) return;
    const buffered = connection.bufferedAmount;
    if (connection.lag === undefined) {
      if (buffered >= this.limitBytes) this.fallBehind(connection);
    } else if (buffered < this.limitBytes / 2) {
      this.catchUp(connection);
    }
  }

  /**
   * A publication for the lagging connections on `topic`: recorded by policy, not sent. A filtered
   * subscription conflates only to a publication it matches (`drop` records the seq either way:
   * the Gap it leads to is answered from history with the filter applied).
   */
  deliver(topic: string, seq: number, payload: Uint8Array, tags?: Tags): void {
    const lagging = this.byTopic.get(topic);
    if (lagging === undefined) return;
    const conflate = this.host.namespaces.match(topic).slowConsumer === 'conflate';
    for (const connection of lagging) {
      const lag = connection.lag!;
      if (conflate) {
        const matches = this.host.filterOf?.(connection, topic);
        if (matches !== undefined && !matches(tags)) continue;
        if (lag.newest.has(topic)) this.counters.conflated++;
        lag.newest.set(topic, { seq, payload });
      } else {
        this.counters.skipped++;
        lag.skipped.set(topic, seq);
      }
    }
  }

  /**
   * The engine resynced `topic` (a Gap with `epoch` went to native followers): each lagging connection
   * gets it on catching up, and what was recorded before it belongs to the old position.
   */
  resync(topic: string, epoch: string, seq: number): void {
    const lagging = this.byTopic.get(topic);
    if (lagging === undefined) return;
    for (const connection of lagging) {
      const lag = connection.lag!;
      lag.skipped.delete(topic);
      lag.newest.delete(topic);
      lag.resynced.set(topic, { epoch, seq });
    }
  }

  /** A lagging connection subscribed to another topic. */
  add(connection: Follower, topic: string): void {
    let lagging = this.byTopic.get(topic);
    if (lagging === undefined) this.byTopic.set(topic, (lagging = new Set()));
    lagging.add(connection);
  }

  /** A lagging connection left a topic (or closed). */
  remove(connection: Follower, topic: string): void {
    const lagging = this.byTopic.get(topic);
    if (lagging === undefined) return;
    lagging.delete(connection);
    if (lagging.size === 0) this.byTopic.delete(topic);
    connection.lag?.skipped.delete(topic);
    connection.lag?.newest.delete(topic);
    connection.lag?.resynced.delete(topic);
  }

  private fallBehind(connection: Follower): void {
    for (const topic of connection.topics) {
      if (this.host.namespaces.match(topic).slowConsumer === 'close') {
        this.counters.closed++;
        connection.close(CloseCode.SlowConsumer, 'slow consumer');
        return;
      }
    }
    this.counters.lagged++;
    connection.lag = { skipped: new Map(), newest: new Map(), resynced: new Map() };
    for (const topic of connection.topics) {
      if (connection.attaching?.has(topic)) continue;
      this.host.detachNative(connection, topic);
      this.add(connection, topic);
    }
  }

  private catchUp(connection: Follower): void {
    const lag = connection.lag!;
    connection.lag = undefined;
    connection.corked(() => {
      for (const topic of connection.topics) {
        if (connection.attaching?.has(topic)) continue;
        const newest = lag.newest.get(topic);
        const skipped = lag.skipped.get(topic);
        const resynced = lag.resynced.get(topic);
        // Skips after a resync are of its epoch, so the later seq goes with it.
        if (resynced !== undefined) connection.sendGap(topic, skipped ?? resynced.seq, resynced.epoch);
        if (newest !== undefined) {
          connection.sendPublication(topic, newest.seq, newest.payload);
        } else if (resynced === undefined) {
          // Skipped here, or possibly dropped by the transport's hard cap before the check noticed the
          // socket: a Gap notice with the topic's seq costs a client that is up to date nothing.
          if (skipped !== undefined) connection.sendGap(topic, skipped);
          else this.gapAtTop(connection, topic);
        }
        this.remove(connection, topic);
        this.host.attachNative(connection, topic);
      }
    });
  }

  /** A Gap at the topic's top: now from a sync store, once it answers from an async one. */
  private gapAtTop(connection: Follower, topic: string): void {
    const owed = this.owed.get(topic);
    if (owed !== undefined) {
      owed.connections.add(connection);
      return;
    }
    const top = this.host.topSeq(topic);
    if (!(top instanceof Promise)) {
      if (top > 0) connection.sendGap(topic, top);
      return;
    }
    const entry = { connections: new Set([connection]), reading: true };
    this.owed.set(topic, entry);
    this.settle(topic, entry, top);
  }

  private settle(topic: string, entry: { connections: Set<Follower>; reading: boolean }, top: Promise<number>): void {
    top.then(
      (seq) => {
        this.owed.delete(topic);
        if (seq <= 0) return;
        for (const connection of entry.connections) {
          // One lagging again is owed anew by its next catch-up.
          if (this.owes(connection, topic) && connection.lag === undefined) connection.sendGap(topic, seq);
        }
      },
      // Counted by the host (storeErrors); the Gap waits for a store that answers.
      () => {
        entry.reading = false;
        this.retryLater();
      },
    );
  }

  private owes(connection: Follower, topic: string): boolean {
    return !connection.closed && connection.topics.has(topic);
  }

  private retryLater(): void {
    if (this.retry !== undefined) return;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      for (const [topic, entry] of this.owed) {
        if (entry.reading) continue;
        for (const connection of entry.connections) if (!this.owes(connection, topic)) entry.connections.delete(connection);
        if (entry.connections.size === 0) {
          this.owed.delete(topic);
          continue;
        }
        const top = this.host.topSeq(topic);
        entry.reading = true;
        this.settle(topic, entry, top instanceof Promise ? top : Promise.resolve(top));
      }
    }, GAP_RETRY_MS);
    // Owed Gaps never keep a process alive that has nothing else to do.
    this.retry.unref?.();
  }
}
