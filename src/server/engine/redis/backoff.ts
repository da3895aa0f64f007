/**
 * Exponential backoff with jitter for everything the Redis engine retries (reconnects, feed fills).
 * Without jitter, every node that lost Redis at the same moment — and every feed of one node —
 * retries at the same moments, and the retries arrive as one burst each time.
 */

/** Growth of one retry schedule, in ms. */
export interface BackoffSchedule {
  /** Delay ceiling of the first attempt. */
  readonly firstMs: number;
  /** Most any attempt waits. */
  readonly maxMs: number;
}

/**
 * Delay before retry `attempt` (1 for the first): the ceiling doubles per attempt up to `maxMs`,
 * and the delay is drawn between half the ceiling and the ceiling ("equal jitter"), so retries
 * spread out but none comes much sooner than the schedule intends.
 */
export function backoffMs(attempt: number, schedule: BackoffSchedule, random: () => number = Math.random): number {
  const ceiling = Math.min(schedule.maxMs, schedule.firstMs * 2 ** Math.max(0, Math.min(attempt - 1, 30)));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
