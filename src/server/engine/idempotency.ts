/**
 * Idempotent publishing: a publication carrying a key that was already used on the same topic
 * within the window is not published again; the caller gets the first publication's seq. The
 * first publication's promise is remembered, so a duplicate arriving while it is still pending
 * (async broker) waits for it instead of publishing a second time.
 */
import type { PublishResult } from './engine.js';

/** Longest idempotency key accepted, in characters. */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 256;


interface Entry {
  expiresAt: number;
  seq: Promise<number>;
}

export class IdempotencyCache {
  // Insertion order is expiry order (every entry lives `windowMs`), so the oldest is always first.
  private readonly entries = new Map<string, Entry>();

  /**
   * @param windowMs how long a key is remembered after its first use (option `idempotencyWindowMs`)
   * @param maxKeys most keys remembered, all topics together (option `maxIdempotencyKeys`)
   * @param now the clock, replaceable in tests
   */
  constructor(
    private readonly windowMs: number,
    private readonly maxKeys: number,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Runs `publish` unless `key` was used on `topic` within the window. A publish that throws or
   * rejects is forgotten, so retrying with the same key publishes. A duplicate of a publish that is
   * still pending shares its outcome, failure included.
   */
  async publish(topic: string, key: string, publish: () => number | Promise<number>): Promise<PublishResult> {
    const now = this.now();
    this.expire(now);
    // Length-prefixed so no (topic, key) pair can spell another's id.
    const id = `${topic.length}:${topic}${key}`;
    const existing = this.entries.get(id);
    if (existing !== undefined) return { seq: await existing.seq, duplicate: true };
    const seq = Promise.resolve(publish());
    const entry: Entry = { expiresAt: now + this.windowMs, seq };
    this.entries.set(id, entry);
    seq.catch(() => {
      if (this.entries.get(id) === entry) this.entries.delete(id);
    });
    while (this.entries.size > this.maxKeys) this.entries.delete(this.entries.keys().next().value!);
    return { seq: await seq, duplicate: false };
  }

  /** Number of keys remembered. */
  get size(): number {
    return this.entries.size;
  }

  private expire(now: number): void {
    for (const [id, entry] of this.entries) {
      if (entry.expiresAt > now) return;
      this.entries.delete(id);
    }
  }
}
