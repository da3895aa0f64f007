/**
 * Per-connection receive bookkeeping of a generator worker: which topics a connection subscribed
 * to and, per topic, the last seq seen plus unique, duplicated and out-of-order counts. Typed
 * arrays with a linear search over a connection's few topics: no Map, no allocation per message.
 */
import type { TopicTally } from './ipc.js';

export class ConnectionState {
  readonly topics: Int32Array;
  private readonly lastSeq: Float64Array;
  private readonly firstSeq: Float64Array;
  private readonly unique: Float64Array;
  private readonly duplicated: Float64Array;
  private readonly outOfOrder: Float64Array;
  /** Messages heard on each topic since the last mark. */
  private readonly heard: Uint32Array;

  constructor(topics: readonly number[]) {
    this.topics = Int32Array.from(topics);
    const n = topics.length;
    this.lastSeq = new Float64Array(n);
    this.firstSeq = new Float64Array(n);
    this.unique = new Float64Array(n);
    this.duplicated = new Float64Array(n);
    this.outOfOrder = new Float64Array(n);
    this.heard = new Uint32Array(n);
  }

  /** Records one message; returns false when the connection is not subscribed to the topic. */
  record(topic: number, seq: number): boolean {
    const topics = this.topics;
    let slot = -1;
    for (let i = 0; i < topics.length; i++) {
      if (topics[i] === topic) {
        slot = i;
        break;
      }
    }
    if (slot < 0) return false;
    this.heard[slot]!++;
    const last = this.lastSeq[slot]!;
    if (seq > last) {
      if (last === 0) this.firstSeq[slot] = seq;
      this.lastSeq[slot] = seq;
      this.unique[slot]!++;
    } else if (seq === last) this.duplicated[slot]!++;
    else this.outOfOrder[slot]!++;
    return true;
  }

  /** Starts a new window for `aliveSinceMark`. */
  mark(): void {
    this.heard.fill(0);
  }

  /** True when every topic of the connection has had a message since the last mark. */
  aliveSinceMark(): boolean {
    for (let i = 0; i < this.heard.length; i++) if (this.heard[i] === 0) return false;
    return true;
  }

  /** True when, on every topic, the seqs seen run from the first to the last without a hole. */
  gapless(): boolean {
    for (let i = 0; i < this.topics.length; i++) {
      const last = this.lastSeq[i]!;
      if (last > 0 && this.unique[i]! !== last - this.firstSeq[i]! + 1) return false;
    }
    return true;
  }

  /** The last seq seen on each of the connection's topics (0: none yet), in `topics` order. */
  lastSeqs(): Float64Array {
    return this.lastSeq;
  }

  /** Adds this connection's counts into per-topic tallies. */
  addTo(tallies: Map<number, TopicTally>): void {
    for (let i = 0; i < this.topics.length; i++) {
      const topic = this.topics[i]!;
      let tally = tallies.get(topic);
      if (tally === undefined) {
        tally = { topic, subscriptions: 0, unique: 0, duplicated: 0, outOfOrder: 0, firstSeq: 0, lastSeq: 0 };
        tallies.set(topic, tally);
      }
      tally.subscriptions++;
      tally.unique += this.unique[i]!;
      tally.duplicated += this.duplicated[i]!;
      tally.outOfOrder += this.outOfOrder[i]!;
      const first = this.firstSeq[i]!;
      if (first > 0 && (tally.firstSeq === 0 || first < tally.firstSeq)) tally.firstSeq = first;
      tally.lastSeq = Math.max(tally.lastSeq, this.lastSeq[i]!);
    }
  }
}

/** Topics of the connection with global index `index`: k consecutive topics starting at index·k. */
export function topicsFor(index: number, perConnection: number, topicCount: number): number[] {
  const topics: number[] = [];
  for (let j = 0; j < Math.min(perConnection, topicCount); j++) topics.push((index * perConnection + j) % topicCount);
  return topics;
}
