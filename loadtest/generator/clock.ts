/**
 * The one clock every generator process shares. process.hrtime() reads CLOCK_MONOTONIC, which is
 * system-wide on Linux, so a time stamped by the publisher process can be subtracted from a time
 * read in a receiver process. Microseconds as a float64 stay exact for centuries of uptime.
 */

/** Monotonic time in microseconds, comparable across processes on this machine. */
export function nowUs(): number {
  const [seconds, nanos] = process.hrtime();
  return seconds * 1e6 + nanos / 1e3;
}
