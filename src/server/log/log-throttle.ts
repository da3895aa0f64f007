/**
 * At most one log line per key per interval, so a reconnect storm or an attacker cannot flood the
 * log: the first event of a key is logged at once, later ones within the interval are counted, and
 * the next line says how many there were.
 */

/**
 * Returns a gate: call it once per event; it answers the number of events suppressed since the last
 * line when a line is due now, or undefined when this event is only counted.
 */
export function createLogThrottle<K>(intervalMs: number, now: () => number = Date.now): (key: K) => number | undefined {
  const windows = new Map<K, { loggedAt: number; suppressed: number }>();
  return (key) => {
    const at = now();
    const window = windows.get(key);
    if (window !== undefined && at - window.loggedAt < intervalMs) {
      window.suppressed++;
      return undefined;
    }
    windows.set(key, { loggedAt: at, suppressed: 0 });
    return window?.suppressed ?? 0;
  };
}
