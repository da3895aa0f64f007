/**
 * Topic streams: the epoch and sequence of every topic, and a bounded history of recent
 * publications kept for recovery. The interface allows async implementations (a Redis store runs
 * sequencing and retention in one script); MemoryHistoryStore (memory-history.ts) is synchronous
 * so the in-memory publish path stays in one tick.
 */
import type { StreamPosition } from '../../protocol/frames.js';
import type { Tags } from '../../protocol/tags.js';
import type { HistoryLimits } from '../namespaces/namespaces.js';

/** One retained publication: its sequence number, packed data, publish time (ms since epoch) and tags. */
export interface Publication {
  readonly seq: number;
  readonly payload: Uint8Array;
  readonly time: number;
  /** The publication's tags (docs/protocol.md §5.6): retained so recovery applies a filter as live delivery does. */
  readonly tags?: Tags;
}

/** The answer to a history read. */
export interface HistoryRead {
  /** The topic's current epoch and last sequence number. */
  readonly epoch: string;
  readonly seq: number;
  /**
   * With a position: true when every publication after it is in `publications`. Without one:
   * always true (the most recent retained publications were asked for).
   */
  readonly recovered: boolean;
  /** Oldest first. Empty when not recovered. */
  readonly publications: readonly Publication[];
}

export type MaybePromise<T> = T | Promise<T>;

/**
 * The epoch a store answers for a topic without a stream (never published, or its stream expired)
 * when it cannot know the epoch the topic's first publication will get (a shared store: any node
 * may publish it first). Real epochs are never empty.
 */
export const EMPTY_EPOCH = '';

/**
 * Whether `position` is the empty position `(EMPTY_EPOCH, 0)`: a reader that has seen nothing of
 * the topic. Recovery from it into the topic's current epoch is exact when history still holds
 * seq 1 (every publication was missed), so a subscriber that arrived before the first publication
 * recovers like any other.
 */
export function isEmptyPosition(position: StreamPosition): boolean {
  return position.epoch === EMPTY_EPOCH && position.seq === 0;
}

export interface HistoryStore {
  /**
   * Assigns the topic's next sequence number (1 for the first message of an epoch) and retains
   * the publication within `retain` (or not at all when false), with its tags. Returns the sequence number.
   */
  append(topic: string, payload: Uint8Array, retain: HistoryLimits | false, tags?: Tags): MaybePromise<number>;
  /**
   * The topic's epoch and last sequence number. A topic without a stream is at seq 0 of the epoch
   * its first publication will get, or of EMPTY_EPOCH when the store cannot tell; either way the
   * answer creates nothing, so a stranger reading thousands of names costs nothing.
   */
  top(topic: string): MaybePromise<StreamPosition>;
  /**
   * With `since`: the publications after it, when they are all retained, the epoch matches and
   * there are at most `limit` of them; otherwise `recovered: false` and none. A store that answers
   * EMPTY_EPOCH takes the empty position as seq 0 of the current epoch. Without `since`: the last
   * `limit` retained publications. A topic without a stream answers as `top` does, creating nothing.
   */
  read(topic: string, since: StreamPosition | null, limit: number): MaybePromise<HistoryRead>;
  /**
   * Lets the store ask whether a topic has subscribers, so that memory pressure never forgets the
   * sequence of a topic someone is following (which would restart its seq under their feet).
   */
  setActiveCheck(isActive: (topic: string) => boolean): void;
  /** Memory the store holds, in bytes, when it can tell (reported as a metric). */
  readonly bytes?: number;
  close(): MaybePromise<void>;
}

/** A history store that sequences synchronously (its reads may still be asynchronous). */
export type SyncAppendHistoryStore = Omit<HistoryStore, 'append'> & {
  append(topic: string, payload: Uint8Array, retain: HistoryLimits | false, tags?: Tags): number;
  /** The epoch of a topic that has a stream (after `append`). */
  epochOf(topic: string): string;
};

