/**
 * The in-memory history store: every topic's stream and retained publications in this process.
 */
import { randomBytes } from 'node:crypto';
import type { StreamPosition } from '../../protocol/frames.js';
import type { Tags } from '../../protocol/tags.js';
import type { HistoryLimits } from '../namespaces/namespaces.js';
import type { HistoryRead, SyncAppendHistoryStore } from './history.js';
import { PacedScan } from '../runtime/paced-scan.js';
import { TopicLog } from './topic-log.js';

/** Settings of the in-memory store. */
export interface MemoryHistoryOptions {
  /** Memory budget for all topics' state and retained payloads, in bytes. @default 67108864 (64 MiB) */
  maxBytes: number;
  /** How often expired publications are freed, in ms (reads never return expired ones anyway). @default 5000 */
  sweepIntervalMs: number;
  /** Clock, for tests. @default Date.now */
  now: () => number;
}

// Rough fixed cost of a topic's state (the stream object, its log object, the Map entry).
const TOPIC_OVERHEAD_BYTES = 300;

interface TopicStream {
  readonly topic: string;
  readonly epoch: string;
  seq: number;
  /** Retained publications (consecutive seqs ending at `seq` when non-empty). */
  readonly log: TopicLog;
  /** Fixed cost of the topic's state, by the estimate above plus its name. */
  readonly fixedBytes: number;
  /** Budgeted bytes of this topic: fixedBytes plus what its log has allocated, as last accounted. */
  bytes: number;
  ttlMs: number;
  // Neighbours in the recency list (least recently published first); undefined at either end.
  older: TopicStream | undefined;
  newer: TopicStream | undefined;
}

const noActiveCheck = () => false;

/**
 * Streams and history in process memory. Bounded three ways: per topic by the namespace's size and
 * TTL, and globally by `maxBytes`, which forgets the least recently published topics first (their
 * retained publications, and their sequence too when nobody here subscribes to them). Payloads are
 * copied into per-topic byte rings (topic-log.ts), so retention creates no garbage-collected
 * object per publication.
 */
export class MemoryHistoryStore implements SyncAppendHistoryStore {
  private readonly streams = new Map<string, TopicStream>();
  // Eviction order as a list through the streams themselves: moving a topic to the newest end on
  // every append costs two pointer swaps. Re-inserting into the Map instead left a deleted slot
  // per append: 151 B of garbage per publication (bench/stalls), and the table is rebuilt
  // whenever deleted slots fill it, work that grows with the number of topics.
  private oldest: TopicStream | undefined;
  private newest: TopicStream | undefined;
  private readonly options: MemoryHistoryOptions;
  // A topic's epoch is this store's boot id plus the generation it was created in, so a restart
  // (new store) changes every epoch. The generation moves on whenever a published topic's state is
  // forgotten: one topic's two streams then never share an epoch, and a topic without state can
  // answer the epoch its first publication will get without keeping anything (`firstEpoch`).
  private readonly bootId = randomBytes(6).toString('base64url');
  private generation = 0;
  private firstEpoch = `${this.bootId}0`;
  private totalBytes = 0;
  private isActive: (topic: string) => boolean = noActiveCheck;
  // A slice of the topics per step rather than all of them every sweepIntervalMs: at 19,000
  // topics one full sweep blocked the event loop for 2–11 ms (bench/stalls).
  private readonly sweeper: PacedScan<TopicStream>;

  constructor(options: Partial<MemoryHistoryOptions> = {}) {
    this.options = { maxBytes: 64 * 1024 * 1024, sweepIntervalMs: 5000, now: Date.now, ...options };
    this.sweeper = new PacedScan({
      entries: () => this.streams.values(),
      size: () => this.streams.size,
      visit: (stream) => {
        if (stream.log.count > 0) this.expire(stream, this.options.now());
      },
      periodMs: this.options.sweepIntervalMs,
    });
    this.sweeper.start();
  }

  /** Budgeted bytes in use (topic state plus allocated history buffers). */
  get bytes(): number {
    return this.totalBytes;
  }

  /** Number of topics with state. */
  get topics(): number {
    return this.streams.size;
  }

  setActiveCheck(isActive: (topic: string) => boolean): void {
    this.isActive = isActive;
  }

  append(topic: string, payload: Uint8Array, retain: HistoryLimits | false, tags?: Tags): number {
    // Only a publication creates a topic's state: reads of unknown topics keep nothing.
    const stream = this.streams.get(topic) ?? this.create(topic);
    const seq = ++stream.seq;
    if (stream !== this.newest) {
      this.unlink(stream);
      this.linkNewest(stream);
    }
    const log = stream.log;
    if (retain === false) {
      if (log.count > 0) {
        log.clear();
        this.account(stream);
      }
      return seq;
    }
    const now = this.options.now();
    stream.ttlMs = retain.ttlMs;
    log.push(seq, payload, now, tags);
    while (log.count > retain.size) log.shift();
    this.expire(stream, now);
    this.account(stream);
    if (this.totalBytes > this.options.maxBytes) this.evict(topic);
    return seq;
  }

  epochOf(topic: string): string {
    return this.streams.get(topic)?.epoch ?? this.firstEpoch;
  }

  top(topic: string): StreamPosition {
    const stream = this.streams.get(topic);
    return stream === undefined ? { epoch: this.firstEpoch, seq: 0 } : { epoch: stream.epoch, seq: stream.seq };
  }

  read(topic: string, since: StreamPosition | null, limit: number): HistoryRead {
    const stream = this.streams.get(topic);
    if (stream === undefined) {
      // A position of this generation's first epoch at seq 0 missed nothing; any other is of a lost stream.
      const recovered = since === null || (since.epoch === this.firstEpoch && since.seq === 0);
      return { epoch: this.firstEpoch, seq: 0, recovered, publications: [] };
    }
    const { epoch, seq, log } = stream;
    this.expire(stream, this.options.now());
    if (since === null) return { epoch, seq, recovered: true, publications: log.slice(seq + 1 - limit) };
    if (since.epoch !== epoch || since.seq > seq) return { epoch, seq, recovered: false, publications: [] };
    const missed = seq - since.seq;
    if (missed === 0) return { epoch, seq, recovered: true, publications: [] };
    if (missed > limit) return { epoch, seq, recovered: false, publications: [] };
    const oldest = log.count > 0 ? log.first : seq + 1;
    if (oldest > since.seq + 1) return { epoch, seq, recovered: false, publications: [] };
    return { epoch, seq, recovered: true, publications: log.slice(since.seq + 1) };
  }

  close(): void {
    this.sweeper.stop();
  }

  private create(topic: string): TopicStream {
    const stream: TopicStream = {
      topic,
      epoch: this.firstEpoch,
      seq: 0,
      log: new TopicLog(),
      fixedBytes: TOPIC_OVERHEAD_BYTES + topic.length * 2,
      bytes: 0,
      ttlMs: 0,
      older: undefined,
      newer: undefined,
    };
    this.streams.set(topic, stream);
    this.linkNewest(stream);
    this.account(stream);
    if (this.totalBytes > this.options.maxBytes) this.evict(topic);
    return stream;
  }

  /** Brings a topic's budgeted bytes (fixed part plus its log's allocation) up to date. */
  private account(stream: TopicStream): void {
    const bytes = stream.fixedBytes + stream.log.allocatedBytes;
    this.totalBytes += bytes - stream.bytes;
    stream.bytes = bytes;
  }

  private expire(stream: TopicStream, now: number): void {
    const log = stream.log;
    const cutoff = now - stream.ttlMs;
    const before = log.count;
    while (log.count > 0 && log.oldestTime() <= cutoff) log.shift();
    // An idle topic whose history expired gives its buffers back.
    if (before > 0 && log.count === 0) {
      log.clear();
      this.account(stream);
    }
  }

  /**
   * Frees memory until under budget, least recently published topics first: their publications,
   * and their whole state when no one here subscribes. `current` is the topic being written: when
   * it alone is over what is left, its oldest publications go, down to a quarter of that allowance
   * (so the next trims are amortised over many appends).
   */
  private evict(current: string): void {
    for (let stream = this.oldest; stream !== undefined; ) {
      if (this.totalBytes <= this.options.maxBytes) return;
      const next = stream.newer;
      if (stream.topic !== current) {
        stream.log.clear();
        this.account(stream);
        if (!this.isActive(stream.topic)) {
          this.streams.delete(stream.topic);
          this.unlink(stream);
          this.totalBytes -= stream.bytes;
          this.firstEpoch = `${this.bootId}${(++this.generation).toString(36)}`;
        }
      }
      stream = next;
    }
    const stream = this.streams.get(current);
    if (stream === undefined || this.totalBytes <= this.options.maxBytes) return;
    const allowance = this.options.maxBytes - (this.totalBytes - stream.bytes) - TOPIC_OVERHEAD_BYTES;
    while (stream.log.count > 0 && stream.log.liveBytes * 4 > allowance) stream.log.shift();
    stream.log.compact();
    this.account(stream);
  }

  private linkNewest(stream: TopicStream): void {
    stream.older = this.newest;
    stream.newer = undefined;
    if (this.newest !== undefined) this.newest.newer = stream;
    else this.oldest = stream;
    this.newest = stream;
  }

  private unlink(stream: TopicStream): void {
    if (stream.older !== undefined) stream.older.newer = stream.newer;
    else if (this.oldest === stream) this.oldest = stream.newer;
    if (stream.newer !== undefined) stream.newer.older = stream.older;
    else if (this.newest === stream) this.newest = stream.older;
    stream.older = undefined;
    stream.newer = undefined;
  }
}
