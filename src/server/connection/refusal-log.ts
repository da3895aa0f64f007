/**
 * Logs refused upgrades at the default level without letting a reconnect storm or an attacker
 * flood the log: per close code, the first refusal is logged at once, then at most one line per
 * interval that says how many more there were.
 */
import type { Logger } from 'pino';
import { createLogThrottle } from '../log/log-throttle.js';

/** Interval between two log lines for the same close code, in ms. */
export const REFUSAL_LOG_INTERVAL_MS = 10_000;

export function createRefusalLog(logger: Pick<Logger, 'warn'>, intervalMs = REFUSAL_LOG_INTERVAL_MS, now: () => number = Date.now) {
  const due = createLogThrottle<number>(intervalMs, now);
  return (code: number, reason: string, remoteAddress: string): void => {
    const suppressed = due(code);
    if (suppressed === undefined) return;
    logger.warn({ closeCode: code, reason, remoteAddress, ...(suppressed > 0 ? { alsoRefusedSinceLastLine: suppressed } : {}) }, `upgrade refused: ${reason} (close ${code})`);
  };
}
