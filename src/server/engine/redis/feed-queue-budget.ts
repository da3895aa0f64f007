/**
 * One cap on the bytes of publications queued in all of an engine's topic feeds (topic-feed.ts).
 * A feed queues what arrives on its channel while a read of the stream is in flight; with many
 * followed topics and a slow Redis those queues together could hold unbounded memory. Dropping the
 * oldest queued publications is safe: a feed that finds a jump fills it from the stream, and when
 * the stream no longer has them it tells the sink (`resync`), so nothing is lost silently.
 */

/** A feed's view for the budget: it can drop its oldest queued publication. */
export interface QueueHolder {
  /** Drops the oldest queued publication, keeping the newest; false when at most one is left. */
  dropOldest(): boolean;
}

// 64 MiB: some seconds of a busy node's traffic; beyond it the stream has the publications anyway.
const DEFAULT_MAX_BYTES = 64 * 1024 * 1024;

export class FeedQueueBudget {
  /** Payload bytes queued in all feeds now. */
  bytes = 0;
  private readonly holders = new Set<QueueHolder>();

  /** @param maxBytes most payload bytes queued in all feeds together (each still keeps its newest one) */
  constructor(readonly maxBytes: number = DEFAULT_MAX_BYTES) {}

  /** `holder` queued `bytes` more. */
  queued(holder: QueueHolder, bytes: number): void {
    this.bytes += bytes;
    this.holders.add(holder);
  }

  /** `holder` delivered or dropped `bytes` of its queue; `empty` when nothing is left in it. */
  released(holder: QueueHolder, bytes: number, empty: boolean): void {
    this.bytes -= bytes;
    if (empty) this.holders.delete(holder);
  }

  /**
   * Drops the oldest queued publications until under the cap: first `first`'s (the feed that just
   * queued), then the other feeds'. Each feed keeps its newest publication: the jump it shows is
   * what makes the feed fill from the stream once its read is back.
   */
  enforce(first: QueueHolder): void {
    while (this.bytes > this.maxBytes && first.dropOldest());
    for (const holder of this.holders) {
      while (this.bytes > this.maxBytes && holder.dropOldest());
      if (this.bytes <= this.maxBytes) return;
    }
  }
}
