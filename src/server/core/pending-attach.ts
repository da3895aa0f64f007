/**
 * The hold-and-merge of a subscription over an asynchronous history store: while a connection's
 * history read is in flight, live publications of the topic are held for it here; once the read
 * is back the core sends the replay, then the held ones it did not cover, then switches the
 * connection to native fan-out, all in one corked step. Nothing is sent twice or out of order.
 */
import type { StreamPosition, TopicPosition } from '../../protocol/frames.js';
import type { Connection } from '../connection/connection.js';
import type { HistoryRead } from '../engine/history.js';

/** A live publication held for an attaching connection. */
export interface Held {
  readonly seq: number;
  readonly payload: Uint8Array;
}

/** One connection waiting for its history read on one topic. */
export interface Attaching {
  readonly connection: Connection;
  readonly held: Held[];
}

export class PendingAttaches {
  // Topic → connections whose subscription waits for a history read.
  private readonly byTopic = new Map<string, Set<Attaching>>();

  /** Whether anyone is waiting (the delivery fast path checks this first). */
  get size(): number {
    return this.byTopic.size;
  }

  /** Starts holding publications of `topic` for `connection`; call `done` when its read settles. */
  add(topic: string, connection: Connection): Attaching {
    const waiting: Attaching = { connection, held: [] };
    let set = this.byTopic.get(topic);
    if (set === undefined) this.byTopic.set(topic, (set = new Set()));
    set.add(waiting);
    return waiting;
  }

  /** Stops holding for `waiting`. */
  done(topic: string, waiting: Attaching): void {
    const set = this.byTopic.get(topic);
    if (set === undefined) return;
    set.delete(waiting);
    if (set.size === 0) this.byTopic.delete(topic);
  }

  /** Holds a live publication for everyone waiting on `topic`. */
  hold(topic: string, seq: number, payload: Uint8Array): void {
    const set = this.byTopic.get(topic);
    if (set !== undefined) for (const waiting of set) waiting.held.push({ seq, payload });
  }
}

/**
 * Sends a connection what it missed on `topic`: the replay after `position` (when history has all
 * of it), then the held live publications the read did not cover. Returns the position to answer.
 */
export function catchUp(
  connection: Connection,
  topic: string,
  position: StreamPosition | undefined,
  read: StreamPosition | HistoryRead,
  held: readonly Held[] | undefined,
): TopicPosition {
  let seq = read.seq;
  const recovered = 'recovered' in read ? read.recovered : false;
  if (position !== undefined && recovered) {
    for (const publication of (read as HistoryRead).publications) {
      if (publication.seq > position.seq) connection.sendPublication(topic, publication.seq, publication.payload);
    }
  }
  if (held !== undefined) {
    for (const live of held) {
      if (live.seq <= seq) continue;
      connection.sendPublication(topic, live.seq, live.payload);
      seq = live.seq;
    }
  }
  return position === undefined ? { epoch: read.epoch, seq } : { epoch: read.epoch, seq, recovered };
}
