/**
 * A fixed send schedule (open model): message m is due at start + m / rate, whatever happened to
 * earlier messages. A tick every millisecond sends everything that has come due, stamped with its
 * intended time, so a stalled sender shows up as latency instead of silently sending less
 * ("coordinated omission").
 */
import { nowUs } from './clock.js';

export interface ScheduleOptions {
  /** Messages per second. */
  rate: number;
  /** Messages in total. */
  count: number;
  /** Called for each message with its number and intended send time (µs). */
  send(m: number, intendedUs: number): void;
  /** Called around each tick's batch (e.g. to cork and uncork sockets). */
  beginBatch?(): void;
  endBatch?(): void;
}

/** Runs the schedule; resolves with the worst lag behind schedule (µs) when every message is sent. */
export function runSchedule(options: ScheduleOptions): Promise<number> {
  const intervalUs = 1e6 / options.rate;
  const startUs = nowUs();
  let next = 0;
  let maxLagUs = 0;
  return new Promise((resolve) => {
    const tick = () => {
      const now = nowUs();
      const due = Math.min(options.count, Math.floor((now - startUs) / intervalUs) + 1);
      if (due > next) {
        options.beginBatch?.();
        for (; next < due; next++) {
          const intended = startUs + next * intervalUs;
          maxLagUs = Math.max(maxLagUs, now - intended);
          options.send(next, intended);
        }
        options.endBatch?.();
      }
      if (next >= options.count) resolve(maxLagUs);
      else setTimeout(tick, 1);
    };
    tick();
  });
}
