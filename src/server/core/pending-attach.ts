/**
 * The hold-and-merge of a subscription over an asynchronous history store: while a connection's
 * history read is in flight, live publications of the topic are held for it here; once the read
 * is back the core sends the replay, then the held ones it did not cover, then switches the
 * connection to native fan-out, all in one corked step. Nothing is sent twice or out of order.
 * Held entries carry their epoch, and the engine's resyncs are held too: when the topic's stream
 * restarts under a new epoch while the read is in flight, seqs of two epochs must never be merged.
 */
import type { StreamPosition, TopicPosition } from '../../protocol/frames.js';
import type { TagMatcher, Tags } from '../../protocol/tags.js';
import type { Follower } from './follower.js';
import type { HistoryRead } from '../engine/history.js';

/** A live publication held for an attaching connection, or (no payload) a resync of the topic. */
export interface Held {
  readonly epoch: string;
  readonly seq: number;
  /** Undefined for a resync: publications up to `(epoch, seq)` will not be delivered. */
  readonly payload: Uint8Array | undefined;
  /** The publication's tags (a filtered subscription gets only those its filter matches). */
  readonly tags?: Tags;
}

/** One connection waiting for its history read on one topic. */
export interface Attaching {
  readonly connection: Follower;
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
  add(topic: string, connection: Follower): Attaching {
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

  /** Holds a live publication (or, without payload, a resync) for everyone waiting on `topic`. */
  hold(topic: string, epoch: string, seq: number, payload: Uint8Array | undefined, tags?: Tags): void {
    const set = this.byTopic.get(topic);
    if (set !== undefined) for (const waiting of set) waiting.held.push({ epoch, seq, payload, tags });
  }
}

/**
 * Where a subscription starts: after a position the client saw (recovery: the answer says whether
 * it `recovered`), with the topic's latest publication (`'latest'`: the read is of the last one,
 * without a position), or at the topic's top (undefined: the read is `top`).
 */
export type Start = StreamPosition | 'latest' | undefined;

/**
 * Sends a connection what it starts with on `topic`: the replay after a position (when history
 * has all of it) or the latest publication, then the held live publications of the read's epoch
 * it did not cover. Returns the position to answer. When the engine moved the topic to another
 * epoch after the read (a held resync), the answer is that epoch's instead (`recovered: false`
 * after a position), followed by what it delivered there. With `matches` (a filtered subscription),
 * only the publications it matches are sent, of the replay and of the held ones alike; the answer
 * is the same position (seqs it skipped are filtered out, not lost).
 */
export function catchUp(
  connection: Follower,
  topic: string,
  start: Start,
  read: StreamPosition | HistoryRead,
  held: readonly Held[] | undefined,
  matches?: TagMatcher,
): TopicPosition {
  const moved = held === undefined ? -1 : lastResync(held, read.epoch);
  if (moved >= 0) return restarted(connection, topic, start, held!, moved, matches);
  let seq = read.seq;
  const recovered = 'recovered' in read ? read.recovered : false;
  if (start === 'latest') {
    // Only the topic's current publication: an older retained one (the newest expired) would be a
    // gap presented as the latest value.
    const last = (read as HistoryRead).publications.at(-1);
    if (last !== undefined && last.seq === read.seq && (matches === undefined || matches(last.tags))) connection.sendPublication(topic, last.seq, last.payload);
  } else if (start !== undefined && recovered) {
    for (const publication of (read as HistoryRead).publications) {
      if (publication.seq > start.seq && (matches === undefined || matches(publication.tags))) connection.sendPublication(topic, publication.seq, publication.payload);
    }
  }
  if (held !== undefined) {
    for (const live of held) {
      // Another epoch's publications came before the read's epoch began (a later one would end in a resync).
      if (live.payload === undefined || live.epoch !== read.epoch || live.seq <= seq) continue;
      if (matches === undefined || matches(live.tags)) connection.sendPublication(topic, live.seq, live.payload);
      seq = live.seq;
    }
  }
  return typeof start !== 'object' ? { epoch: read.epoch, seq } : { epoch: read.epoch, seq, recovered };
}

/** Index of the last held resync when it is to another epoch than `epoch` (the feed's final one), or -1. */
function lastResync(held: readonly Held[], epoch: string): number {
  for (let i = held.length - 1; i >= 0; i--) {
    if (held[i]!.payload === undefined) return held[i]!.epoch === epoch ? -1 : i;
  }
  return -1;
}

/** Answers in the epoch the topic moved to after the read: from the resync on, nothing of the lost one. */
function restarted(connection: Follower, topic: string, start: Start, held: readonly Held[], from: number, matches: TagMatcher | undefined): TopicPosition {
  const epoch = held[from]!.epoch;
  let seq = held[from]!.seq;
  for (let i = from + 1; i < held.length; i++) {
    const live = held[i]!;
    if (live.payload === undefined || live.epoch !== epoch || live.seq <= seq) continue;
    if (matches === undefined || matches(live.tags)) connection.sendPublication(topic, live.seq, live.payload);
    seq = live.seq;
  }
  return typeof start !== 'object' ? { epoch, seq } : { epoch, seq, recovered: false };
}
