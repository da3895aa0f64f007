/**
 * One followed topic's live feed on this node: turns what arrives on the topic's channel into
 * `deliver` calls that are exactly once and in seq order. It keeps the last position delivered;
 * a duplicate is dropped, a jump is filled from the topic's stream first, and when the stream can
 * no longer fill it (the gap outlived history, or the stream restarted under a new epoch) the sink
 * is told (`resync`) before delivery goes on. After its subscriber connection came back, the node
 * calls `reconcile` so publications made while it was away are filled the same way.
 *
 * Pure bookkeeping over a `FeedHost`: no Redis here, so the ordering rules are unit-testable.
 */
import type { Tags } from '../../../protocol/tags.js';
import type { StreamPosition } from '../../../protocol/frames.js';
import { isEmptyPosition, type HistoryRead } from '../history.js';
import { FeedQueueBudget, type QueueHolder } from './feed-queue-budget.js';

/** What a feed needs: the sink's doors, and reads of the topic's stream. */
export interface FeedHost {
  /** `EngineSink.deliver`; `exclude` comes only with publications from the channel (never from a fill); tags from either. */
  deliver(topic: string, epoch: string, seq: number, payload: Uint8Array, exclude?: string, tags?: Tags): void;
  resync(topic: string, epoch: string, seq: number): void;
  /** The stream's current position (the empty position for a topic without a stream). */
  top(topic: string): Promise<StreamPosition>;
  /** Publications after `since`, all or none (`HistoryStore.read`). */
  read(topic: string, since: StreamPosition, limit: number): Promise<HistoryRead>;
  /** Most publications one fill reads. */
  readonly maxFill: number;
  /** Retry delay after a failed read, in ms. */
  readonly retryMs: number;
  /** The cap on bytes queued in all of the engine's feeds. @default a budget of this feed's own (64 MiB) */
  readonly queueBudget?: FeedQueueBudget;
}

interface Incoming {
  readonly epoch: string;
  readonly seq: number;
  readonly payload: Uint8Array;
  readonly exclude: string | undefined;
  readonly tags: Tags | undefined;
}

interface Waiter {
  readonly epoch: string;
  readonly seq: number;
  /** The feed's epoch when the waiter came: once the feed is in another, neither, it has moved past. */
  readonly from: string | undefined;
  readonly resolve: (reached: boolean) => void;
}

// Publications queued per feed while a fill is in flight, on top of the byte cap shared by all
// feeds (FeedQueueBudget). Past either the oldest are dropped: the fill (or the next one) reads
// them back from the stream, or tells the sink it cannot, so memory stays bounded without losing
// any silently.
const MAX_QUEUED = 10_000;
// Epochs this feed has left, remembered so a late publication of one is dropped rather than taken
// for a jump (which would fill, find the current epoch, and start over: forever).
const LEFT_EPOCHS = 16;

export class TopicFeed implements QueueHolder {
  /** The last position delivered; undefined until the feed knows where the stream was when it started. */
  private last: StreamPosition | undefined;
  private readonly queue: Incoming[] = [];
  private busy = false;
  private closed = false;
  private waiters: Waiter[] = [];
  private readonly left: string[] = [];
  private retry: ReturnType<typeof setTimeout> | undefined;
  // Resolves `start()` callers once the position is known (or the feed closed).
  // Resolves `start()` and `reconcile()` callers once a step succeeded and nothing is left to fill
  // (or the feed closed): a failed read that is only scheduled for a retry has not made it live.
  private caughtUp: { promise: Promise<void>; resolve: () => void } | undefined;
  // A reconcile asked for while a step was in flight: that step's read may predate what was missed.
  private refill = false;
  private readonly budget: FeedQueueBudget;

  constructor(
    readonly topic: string,
    private readonly host: FeedHost,
  ) {
    this.budget = host.queueBudget ?? new FeedQueueBudget();
  }

  /** Whether the feed knows its starting position and has no fill in flight. */
  get inStep(): boolean {
    return this.last !== undefined && !this.busy;
  }

  /** The last position delivered (for tests and metrics). */
  get position(): StreamPosition | undefined {
    return this.last;
  }

  /**
   * Learns where the stream is now (call once the channel subscription is acknowledged: every
   * later publication then arrives on the channel). Resolves once known, retrying failed reads
   * meanwhile (a feed that does not know where it starts is not live: reads waiting on it would
   * answer positions it cannot keep), or when the feed is closed.
   */
  start(): Promise<void> {
    if (this.last !== undefined || this.closed) return Promise.resolve();
    const done = this.untilCaughtUp();
    void this.step(async () => {
      const top = await this.host.top(this.topic);
      if (this.last === undefined) this.moveTo(top);
    });
    return done;
  }

  /** A publication from the channel (with the connection id it excludes and its tags, if any). */
  push(epoch: string, seq: number, payload: Uint8Array, exclude?: string, tags?: Tags): void {
    if (this.closed) return;
    const incoming: Incoming = { epoch, seq, payload, exclude, tags };
    this.queue.push(incoming);
    this.budget.queued(this, payload.byteLength);
    if (!this.busy) this.pump();
    if (this.queue.at(-1) !== incoming) return; // delivered (or dropped) at once: the view was enough
    // It waits for a read: keep a copy, not a view that pins the subscriber connection's read buffer.
    this.queue[this.queue.length - 1] = { epoch, seq, payload: new Uint8Array(payload), exclude, tags };
    if (this.queue.length > MAX_QUEUED) this.shift();
    this.budget.enforce(this);
  }

  /** Drops the oldest queued publication, keeping the newest (for the shared byte cap). */
  dropOldest(): boolean {
    if (this.queue.length <= 1) return false;
    this.shift();
    return true;
  }

  /** The channel may have missed publications (the subscriber connection dropped): fill from the stream. */
  reconcile(): Promise<void> {
    if (this.last === undefined) return this.start();
    if (this.closed) return Promise.resolve();
    const done = this.untilCaughtUp();
    if (this.busy) this.refill = true;
    else void this.step(() => this.fill());
    return done;
  }

  private untilCaughtUp(): Promise<void> {
    if (this.caughtUp === undefined) {
      let resolve!: () => void;
      const promise = new Promise<void>((settle) => (resolve = settle));
      this.caughtUp = { promise, resolve };
    }
    return this.caughtUp.promise;
  }

  private settleCaughtUp(): void {
    const caughtUp = this.caughtUp;
    this.caughtUp = undefined;
    caughtUp?.resolve();
  }

  /**
   * Resolves true once this feed has delivered `(epoch, seq)`, so that a history read answered at
   * that position is followed by exactly the publications after it. Resolves false when the feed
   * moved to another epoch instead (Redis lost the stream the answer came from: the caller reads
   * again), or after `giveUpMs` (the answer may then see a few publications twice; the client drops
   * them by seq), or when the feed closes. A feed that has not got there after `nudgeMs` fills
   * from the stream.
   */
  reached(epoch: string, seq: number, nudgeMs: number, giveUpMs: number): Promise<boolean> {
    if (this.done(epoch, seq)) return Promise.resolve(true);
    if (this.closed || this.left.includes(epoch)) return Promise.resolve(false);
    return new Promise((resolve) => {
      const nudge = setTimeout(() => void this.reconcile(), nudgeMs);
      const giveUp = setTimeout(() => this.release(waiter), giveUpMs);
      const waiter: Waiter = {
        epoch,
        seq,
        from: this.last?.epoch,
        resolve: (reached) => {
          clearTimeout(nudge);
          clearTimeout(giveUp);
          resolve(reached);
        },
      };
      this.waiters.push(waiter);
    });
  }

  /** Stops: nothing more is delivered; waiting reads and starts are released. */
  close(): void {
    this.closed = true;
    clearTimeout(this.retry);
    while (this.queue.length > 0) this.shift();
    for (const waiter of this.waiters.splice(0)) waiter.resolve(false);
    this.settleCaughtUp();
  }

  private done(epoch: string, seq: number): boolean {
    const last = this.last;
    if (last === undefined || this.busy) return false;
    // Every publication comes after the empty position: a started feed delivers them all.
    if (isEmptyPosition({ epoch, seq })) return true;
    return last.epoch === epoch ? last.seq >= seq : false;
  }

  private release(waiter: Waiter): void {
    const index = this.waiters.indexOf(waiter);
    if (index >= 0) this.waiters.splice(index, 1);
    waiter.resolve(false);
  }

  /** Sets the position, remembering the epoch left behind. */
  private moveTo(position: StreamPosition): void {
    const previous = this.last?.epoch;
    if (previous !== undefined && previous !== position.epoch) {
      this.left.push(previous);
      if (this.left.length > LEFT_EPOCHS) this.left.shift();
    }
    this.last = { epoch: position.epoch, seq: position.seq };
  }

  /** Runs an async step with the feed marked busy (publications queue meanwhile), retrying on failure. */
  private async step(run: () => Promise<void>): Promise<void> {
    if (this.busy || this.closed) return;
    this.busy = true;
    try {
      await run();
      this.busy = false;
      if (this.refill) {
        this.refill = false;
        return await this.step(() => this.fill());
      }
      this.pump();
      // A jump found while pumping started another fill: callers wait for that one too.
      if (!this.busy && this.last !== undefined) this.settleCaughtUp();
    } catch {
      this.busy = false;
      // Redis is unreachable or slow: try again; the queue holds (bounded) what arrives meanwhile.
      clearTimeout(this.retry);
      if (!this.closed) this.retry = setTimeout(() => void (this.last === undefined ? this.start() : this.reconcile()), this.host.retryMs);
    }
  }

  /** Delivers queued publications in order until one needs a fill. */
  private pump(): void {
    let last = this.last;
    if (last === undefined || this.closed) return;
    while (this.queue.length > 0 && !this.busy) {
      const next = this.queue[0]!;
      if ((next.epoch === last.epoch && next.seq <= last.seq) || this.left.includes(next.epoch)) {
        this.shift();
      } else if (next.epoch === last.epoch && next.seq === last.seq + 1) {
        this.shift();
        last.seq = next.seq;
        this.host.deliver(this.topic, next.epoch, next.seq, next.payload, next.exclude, next.tags);
      } else if (next.seq === 1 && isEmptyPosition(last)) {
        // The topic's first epoch began: announce it (engine.ts), then its seq 1 goes out as usual.
        this.last = last = { epoch: next.epoch, seq: 0 };
        this.host.resync(this.topic, next.epoch, 0);
      } else {
        // A jump, or another epoch: the stream knows what came in between.
        void this.step(() => this.fill());
        return;
      }
    }
    this.wake();
  }

  /** Reads what came after the last delivered position and delivers it, or tells the sink it cannot. */
  private async fill(): Promise<void> {
    const last = this.last!;
    const read = await this.host.read(this.topic, last, this.host.maxFill);
    if (this.closed) return;
    if (read.recovered) {
      if (read.epoch !== last.epoch) {
        // Only the empty position recovers into another epoch: announce it before its publications.
        this.last = { epoch: read.epoch, seq: 0 };
        this.host.resync(this.topic, read.epoch, 0);
      }
      this.deliverAll(read);
      return;
    }
    if (read.epoch === last.epoch) {
      // Older than history keeps: followers must recover on their own (or learn they cannot).
      // (A stream behind this position in the same epoch does not get here: the host's read ends
      // such an epoch, since its next seqs would repeat ones followers already have.)
      this.host.resync(this.topic, read.epoch, read.seq);
      this.moveTo({ epoch: read.epoch, seq: read.seq });
      return;
    }
    // The stream restarted: deliver the new epoch from its start when history still has it.
    const fresh = await this.host.read(this.topic, { epoch: read.epoch, seq: 0 }, this.host.maxFill);
    if (this.closed) return;
    this.host.resync(this.topic, fresh.epoch, fresh.recovered ? 0 : fresh.seq);
    this.moveTo({ epoch: fresh.epoch, seq: fresh.recovered ? 0 : fresh.seq });
    if (fresh.recovered) this.deliverAll(fresh);
  }

  /** Removes the oldest queued publication and gives its bytes back to the budget. */
  private shift(): void {
    const oldest = this.queue.shift();
    if (oldest !== undefined) this.budget.released(this, oldest.payload.byteLength, this.queue.length === 0);
  }

  private deliverAll(read: HistoryRead): void {
    const last = this.last!;
    if (read.epoch !== last.epoch) return;
    const excluded = this.queuedExclusions(read.epoch);
    for (const publication of read.publications) {
      if (publication.seq <= last.seq) continue;
      last.seq = publication.seq;
      this.host.deliver(this.topic, read.epoch, publication.seq, publication.payload, excluded?.get(publication.seq), publication.tags);
    }
    if (read.seq > last.seq) last.seq = read.seq;
  }

  /**
   * The excluded connections of publications still queued from the channel, by seq: a fill
   * delivers them from the stream, which does not keep exclusions, and the queued copy (dropped as
   * a duplicate afterwards) is where the exclusion still is. Undefined when none has one.
   */
  private queuedExclusions(epoch: string): Map<number, string> | undefined {
    let excluded: Map<number, string> | undefined;
    for (const incoming of this.queue) {
      if (incoming.exclude !== undefined && incoming.epoch === epoch) (excluded ??= new Map()).set(incoming.seq, incoming.exclude);
    }
    return excluded;
  }

  private wake(): void {
    if (this.waiters.length === 0) return;
    const last = this.last!;
    this.waiters = this.waiters.filter((waiter) => {
      if (last.epoch === waiter.epoch) {
        if (last.seq < waiter.seq) return true;
        waiter.resolve(true);
        return false;
      }
      // Still in the epoch it was in when the waiter came (behind the waiter's newer one): wait.
      if (last.epoch === waiter.from && !this.left.includes(waiter.epoch)) return true;
      waiter.resolve(false);
      return false;
    });
  }
}
