/**
 * Token buckets: the one rate-limiting primitive behind per-connection message/byte limits, the
 * HTTP API limit and the connection-attempt limit. Pure arithmetic on a clock you pass in.
 */

/** A bucket of `burst` tokens refilled at `perSecond`; taking more than it holds fails. */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    readonly perSecond: number,
    readonly burst: number,
    now = Date.now(),
  ) {
    this.tokens = burst;
    this.last = now;
  }

  /** Takes `n` tokens if available; false (and nothing taken) otherwise. */
  take(n = 1, now = Date.now()): boolean {
    this.refill(now);
    if (this.tokens < n) return false;
    this.tokens -= n;
    return true;
  }

  /** Whole seconds until `n` tokens will be available (at least 1): the `Retry-After` value. */
  retryAfterSeconds(n = 1, now = Date.now()): number {
    this.refill(now);
    return Math.max(1, Math.ceil((n - this.tokens) / this.perSecond));
  }

  /** True when the bucket is full again, i.e. forgetting it would change nothing. */
  isFull(now = Date.now()): boolean {
    this.refill(now);
    return this.tokens >= this.burst;
  }

  private refill(now: number): void {
    const elapsed = now - this.last;
    if (elapsed <= 0) return;
    this.last = now;
    this.tokens = Math.min(this.burst, this.tokens + (elapsed / 1000) * this.perSecond);
  }
}

/**
 * A token bucket held as one number, for state kept per connection: the time (ms) at which the
 * bucket is full again, `0` for a bucket that has always been full. With `perSecond` tokens a
 * second and room for `burst`, the bucket holds `burst - max(0, due - now) * perSecond / 1000`
 * tokens, so taking `n` moves `due` on by `n` tokens' refill time. Same decisions as TokenBucket,
 * with one number instead of an object with four (and two boxed doubles).
 *
 * Returns the new due time, or -1 when the bucket holds fewer than `n` tokens (nothing taken).
 */
export function takeFromDue(due: number, n: number, perSecond: number, burst: number, now = Date.now()): number {
  const msPerToken = 1000 / perSecond;
  const next = (due > now ? due : now) + n * msPerToken;
  return next - now <= burst * msPerToken ? next : -1;
}

/**
 * One bucket per key (client address, API key), bounded in memory: past `maxKeys` the oldest
 * bucket is forgotten, which at worst gives that key a fresh burst.
 */
export class BucketMap {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(
    readonly perSecond: number,
    readonly burst: number,
    readonly maxKeys = 10_000,
  ) {}

  /** Takes `n` tokens from `key`'s bucket; returns 0 on success, else the seconds to wait. */
  take(key: string, n = 1, now = Date.now()): number {
    let bucket = this.buckets.get(key);
    if (bucket === undefined) {
      if (this.buckets.size >= this.maxKeys) this.evict(now);
      bucket = new TokenBucket(this.perSecond, this.burst, now);
      this.buckets.set(key, bucket);
    }
    return bucket.take(n, now) ? 0 : bucket.retryAfterSeconds(n, now);
  }

  /** Number of buckets held (for tests and metrics). */
  get size(): number {
    return this.buckets.size;
  }

  private evict(now: number): void {
    // Full buckets carry no state worth keeping; if none is full, drop the oldest.
    for (const [key, bucket] of this.buckets) if (bucket.isFull(now)) this.buckets.delete(key);
    if (this.buckets.size >= this.maxKeys) this.buckets.delete(this.buckets.keys().next().value!);
  }
}
