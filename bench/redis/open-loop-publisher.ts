/**
 * Publishes at a fixed rate whatever the answers do (open loop): a publisher that waited for each
 * answer would slow down exactly while Redis is away and hide what a real backend sees then (and
 * how much the server would hold if it queued). Every publish is recorded with when it was sent,
 * when it was answered and the HTTP status the API answers for its outcome (sitting.ts).
 */
import { publishStatus } from './sitting.js';

/** One publish: sent and answered at (ms on the caller's clock), its status. */
export interface PublishRecord {
  readonly sentMs: number;
  answeredMs: number;
  status: number;
}

export class OpenLoopPublisher {
  readonly records: PublishRecord[] = [];
  /** Publishes sent and not answered yet. */
  pending = 0;
  /** Most publishes unanswered at once. */
  peakPending = 0;
  private timer: ReturnType<typeof setInterval> | undefined;
  private sent = 0;
  private startedMs = 0;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly ratePerSecond: number,
    private readonly publish: (n: number) => Promise<unknown>,
    private readonly now: () => number,
  ) {}

  /** Starts sending (a tick every 5 ms sends what is due, so the rate holds on a late timer). */
  start(): void {
    this.startedMs = this.now();
    this.timer = setInterval(() => {
      const due = Math.floor(((this.now() - this.startedMs) / 1000) * this.ratePerSecond);
      while (this.sent < due) this.send(this.sent++);
    }, 5);
  }

  /** Stops sending and waits for every answer. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await Promise.all(this.inFlight);
  }

  /** Status counts of the publishes sent in [fromMs, toMs). */
  statuses(fromMs: number, toMs: number): Map<number, number> {
    const counts = new Map<number, number>();
    for (const record of this.records) {
      if (record.sentMs >= fromMs && record.sentMs < toMs) counts.set(record.status, (counts.get(record.status) ?? 0) + 1);
    }
    return counts;
  }

  private send(n: number): void {
    const record: PublishRecord = { sentMs: this.now(), answeredMs: NaN, status: 0 };
    this.records.push(record);
    this.pending++;
    if (this.pending > this.peakPending) this.peakPending = this.pending;
    const done = (err?: unknown) => {
      record.answeredMs = this.now();
      record.status = publishStatus(err);
      this.pending--;
    };
    // Never rejects: every outcome is a record.
    const answered = this.publish(n).then(() => done(), done);
    this.inFlight.add(answered);
    void answered.then(() => this.inFlight.delete(answered));
  }
}
