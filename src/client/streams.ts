/**
 * Per-topic stream positions on the client: the epoch and last seq delivered to the application,
 * gap detection in live traffic, and the hold-and-merge that makes recovery deliver every message
 * once, in order. Pure bookkeeping: the client sends the requests this asks for.
 */
import type { StreamPosition, TopicPosition } from '../protocol/frames.js';

/** A topic message waiting to reach the application. */
export interface Delivery {
  readonly seq: number;
  readonly data: unknown;
}

/** Messages were missed on a topic and could not be recovered from the server's history. */
export interface GapEvent {
  topic: string;
  /** The topic's epoch now. */
  epoch: string;
  /** Last seq the application had (in its old epoch when `reason` is 'epoch'). */
  lastSeq: number;
  /** The topic's seq when recovery was refused; messages after `lastSeq` up to here may be lost. */
  seq: number;
  /** 'epoch': the stream restarted (server restart, history lost); 'history': the gap is older or longer than history keeps. */
  reason: 'epoch' | 'history';
}

// The epoch a server answers for a topic without a stream when it cannot name the topic's first
// epoch yet (docs/protocol.md §5.1): a Gap notice at seq 0 names it before the first message.
const EMPTY_EPOCH = '';

interface Stream {
  /**
   * A filtered subscription (docs/protocol.md §5.6): seqs jump where publications were filtered
   * out, so a jump is not a loss. Real losses still come as the server's Gap notices (slow lane,
   * resync) and recovery answers, which are handled as for any topic.
   */
  filtered: boolean;
  epoch: string | undefined;
  seq: number | undefined;
  /** Defined while a subscribe or history request is in flight: messages wait here. */
  held: Delivery[] | undefined;
}

export class Streams {
  private readonly streams = new Map<string, Stream>();

  /** Starts tracking a topic (no position yet); `filtered` for a subscription with a tag filter. */
  track(topic: string, filtered = false): void {
    if (!this.streams.has(topic)) this.streams.set(topic, { filtered, epoch: undefined, seq: undefined, held: undefined });
  }

  forget(topic: string): void {
    this.streams.delete(topic);
  }

  /** The last position delivered on a topic, when known. */
  position(topic: string): StreamPosition | undefined {
    const stream = this.streams.get(topic);
    if (stream?.epoch === undefined || stream.seq === undefined) return undefined;
    return { epoch: stream.epoch, seq: stream.seq };
  }

  /** Holds the topic's messages until `settle` (a subscribe or history request was sent). */
  hold(topic: string): void {
    const stream = this.streams.get(topic);
    if (stream !== undefined) stream.held ??= [];
  }

  isHeld(topic: string): boolean {
    return this.streams.get(topic)?.held !== undefined;
  }

  /**
   * A live message. Returns what to deliver now; `recover` is true when it revealed a gap (the
   * message is held and the caller should ask for History from `position(topic)`).
   */
  receive(topic: string, seq: number, data: unknown): { deliver: Delivery[]; recover: boolean } {
    const stream = this.streams.get(topic);
    if (stream === undefined) return { deliver: [{ seq, data }], recover: false };
    if (stream.held !== undefined) {
      stream.held.push({ seq, data });
      return { deliver: [], recover: false };
    }
    if (stream.seq === undefined) {
      stream.seq = seq;
      return { deliver: [{ seq, data }], recover: false };
    }
    if (seq <= stream.seq) return { deliver: [], recover: false }; // already delivered
    if (seq === stream.seq + 1 || stream.epoch === undefined || stream.filtered) {
      stream.seq = seq;
      return { deliver: [{ seq, data }], recover: false };
    }
    stream.held = [{ seq, data }];
    return { deliver: [], recover: true };
  }

  /**
   * A Gap notice: messages up to `seq` (of `epoch`, when given) may have been skipped. True when the
   * caller should ask for History (behind, or the stream restarted under another epoch, and no
   * request already in flight); the topic is then held.
   */
  gapNotice(topic: string, seq: number, epoch?: string): boolean {
    const stream = this.streams.get(topic);
    if (stream === undefined || stream.held !== undefined || stream.epoch === undefined || stream.seq === undefined) return false;
    if (epoch !== undefined && seq === 0 && stream.epoch === EMPTY_EPOCH && stream.seq === 0) {
      // Subscribed before the topic's first publication (the server could not name its epoch yet):
      // this notice names it, and nothing came before its seq 1.
      stream.epoch = epoch;
      return false;
    }
    if (seq <= stream.seq && (epoch === undefined || epoch === stream.epoch)) return false;
    stream.held = [];
    return true;
  }

  /**
   * The answer to a subscribe (with or without a position) or history request. Releases the held
   * messages in seq order without duplicates, and reports a gap when recovery was refused.
   * `answer` is undefined when the server sent no position (an older server, or the request failed).
   */
  settle(topic: string, answer: TopicPosition | undefined, requested: StreamPosition | undefined): { deliver: Delivery[]; gap: GapEvent | undefined } {
    const stream = this.streams.get(topic);
    if (stream === undefined) return { deliver: [], gap: undefined };
    const held = (stream.held ?? []).sort((a, b) => a.seq - b.seq);
    stream.held = undefined;
    let gap: GapEvent | undefined;
    if (answer !== undefined) {
      if (requested !== undefined && answer.recovered === false) {
        gap = { topic, epoch: answer.epoch, lastSeq: requested.seq, seq: answer.seq, reason: requested.epoch === answer.epoch ? 'history' : 'epoch' };
        stream.seq = undefined;
      }
      stream.epoch = answer.epoch;
    }
    const deliver: Delivery[] = [];
    for (const message of held) {
      if (stream.seq !== undefined && message.seq <= stream.seq) continue;
      deliver.push(message);
      stream.seq = message.seq;
    }
    // A fresh subscription (or an unrecoverable gap) starts from the topic's current seq; so does a
    // filtered one after recovery: the seqs after its last message that it did not get were filtered out.
    if (answer !== undefined && (requested === undefined || gap !== undefined || stream.filtered)) stream.seq = Math.max(stream.seq ?? 0, answer.seq);
    return { deliver, gap };
  }

  /** The connection dropped: held messages are discarded (the resubscribe replays them). */
  release(): void {
    for (const stream of this.streams.values()) stream.held = undefined;
  }
}
