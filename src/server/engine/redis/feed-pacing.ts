/**
 * Keeps a node's live feeds from storming Redis. After the subscriber connection comes back, every
 * followed topic reconciles with its stream at once (thousands of reads), and when Redis is away
 * every feed retries its failed read on the same fixed clock. So the feeds' fills and reconciles
 * go through one gate: at most `maxInFlight` reads at a time (the rest wait their turn, in order),
 * and the retry delay the feeds use grows exponentially with jitter while reads keep failing
 * node-wide, falling back to the first step at the first success.
 */
import { backoffMs, type BackoffSchedule } from './backoff.js';
import type { FeedHost } from './topic-feed.js';

/** Feed reads in flight at once, per node: enough to reconcile thousands of topics in seconds, few enough that Redis serves publishes meanwhile. */
export const MAX_FEED_READS_IN_FLIGHT = 32;
/** Retry delays of a failed feed read: 200 ms doubling to 5 s, with jitter. */
export const FEED_RETRY: BackoffSchedule = { firstMs: 200, maxMs: 5000 };

export class FeedPacing {
  /** Feed reads running now. */
  inFlight = 0;
  /** Most feed reads that ever ran at once (for tests and metrics). */
  peak = 0;
  private readonly waiting: Array<() => void> = [];
  private failures = 0;
  private lastFailureAt = 0;

  constructor(
    readonly maxInFlight: number = MAX_FEED_READS_IN_FLIGHT,
    private readonly retry: BackoffSchedule = FEED_RETRY,
    private readonly now: () => number = Date.now,
  ) {}

  /** `host` with its reads gated and its retry delay paced. */
  wrap(host: FeedHost): FeedHost {
    const pacing = this;
    return {
      deliver: (topic, epoch, seq, payload, exclude, tags) => host.deliver(topic, epoch, seq, payload, exclude, tags),
      resync: (topic, epoch, seq) => host.resync(topic, epoch, seq),
      // Not gated: a new subscription waits for its feed's first position with a deadline
      // (redis-history.ts), and queueing it behind thousands of fills would fail the subscribe.
      // A position read is one short script; the fills are what a reconnect multiplies.
      top: (topic) => this.counted(host.top(topic)),
      read: (topic, since, limit) => this.gated(() => host.read(topic, since, limit)),
      maxFill: host.maxFill,
      get retryMs() {
        return backoffMs(Math.max(1, pacing.failures), pacing.retry);
      },
    };
  }

  /** Counts a read's outcome for the retry pacing. */
  private async counted<T>(read: Promise<T>): Promise<T> {
    try {
      const result = await read;
      this.failures = 0;
      return result;
    } catch (err) {
      // One step per failed round, not per read: after a reconnect thousands of feeds fail at once
      // (for one cause), and counting each would push every retry to the longest delay at once.
      const now = this.now();
      if (now - this.lastFailureAt >= backoffMs(Math.max(1, this.failures), this.retry, () => 0)) {
        this.failures++;
        this.lastFailureAt = now;
      }
      throw err;
    }
  }

  private async gated<T>(read: () => Promise<T>): Promise<T> {
    // A finishing read hands its slot straight to the next waiter (inFlight unchanged), so a read
    // arriving in between cannot take it too.
    if (this.inFlight >= this.maxInFlight) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.inFlight++;
    if (this.inFlight > this.peak) this.peak = this.inFlight;
    try {
      return await this.counted(read());
    } finally {
      const next = this.waiting.shift();
      if (next !== undefined) next();
      else this.inFlight--;
    }
  }
}
