/**
 * Periodic work over every entry of a live collection, spread over the period instead of done in
 * one callback. Looking at all 19,000 sockets' buffers at once blocked the event loop for ~2.5 ms
 * every 100 ms (bench/stalls), and any publication that arrived meanwhile waited that long. Here the
 * period is cut into steps; each step visits the next slice of entries, resuming where the last
 * one stopped, so every entry is still visited about once per period while one step costs a tenth.
 * A step visits at most `maxPerStep` entries: past `steps × maxPerStep` entries a round takes
 * longer than the period rather than let one step grow with the collection.
 */

/** What to scan and how fast. */
export interface PacedScanOptions<T> {
  /** A fresh iterator over the entries, taken at the start of each round (a Map's live `values()` is fine). */
  entries: () => Iterator<T>;
  /** Number of entries now (sizes the slices). */
  size: () => number;
  /** The work for one entry; it may remove entries from the collection. */
  visit: (entry: T) => void;
  /** How long a full round should take, in ms. */
  periodMs: number;
  /** Steps per round (at most one per ms). @default 10 */
  steps?: number;
  /** Most entries one step visits. @default 2048 */
  maxPerStep?: number;
}

const DEFAULT_STEPS = 10;
const DEFAULT_MAX_PER_STEP = 2048;

export class PacedScan<T> {
  private readonly options: PacedScanOptions<T>;
  private readonly steps: number;
  private readonly maxPerStep: number;
  private cursor: Iterator<T> | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(options: PacedScanOptions<T>) {
    this.options = options;
    this.steps = Math.max(1, Math.min(options.steps ?? DEFAULT_STEPS, Math.floor(options.periodMs)));
    this.maxPerStep = options.maxPerStep ?? DEFAULT_MAX_PER_STEP;
  }

  /** Starts stepping on an unref'd timer (does not keep the process alive). */
  start(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => this.step(), this.options.periodMs / this.steps);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.cursor = undefined;
  }

  /** Visits the next slice: where the round ends, a new one starts (no entry twice in one step). */
  step(): void {
    const budget = Math.min(this.maxPerStep, Math.ceil(this.options.size() / this.steps));
    let restarted = false;
    for (let i = 0; i < budget; ) {
      this.cursor ??= this.options.entries();
      const next = this.cursor.next();
      if (next.done === true) {
        this.cursor = undefined;
        if (restarted) return;
        restarted = true;
        continue;
      }
      this.options.visit(next.value);
      i++;
    }
  }
}
