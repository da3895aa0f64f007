/**
 * Logs failed backend hook calls at level `error` (a backend that is down is an operator's
 * emergency, unlike a refused client) without letting every connection of a reconnect storm write
 * a line: per hook, the first failure is logged at once, then at most one line per interval with
 * the count of failures in between. Each line names the URL and the HTTP status.
 */
import type { Logger } from 'pino';
import { createLogThrottle } from '../../log/log-throttle.js';
import type { BackendError } from './backend-error.js';

/** The four hooks, as named in the log. */
export type HookName = 'connect' | 'subscribe' | 'publish' | 'rpc';

/** Interval between two log lines for the same hook, in ms. */
export const BACKEND_FAILURE_LOG_INTERVAL_MS = 10_000; // 10 s

/** Reports one failed hook call. */
export type FailureLog = (hook: HookName, error: BackendError) => void;

export function createFailureLog(logger: Pick<Logger, 'error'>, intervalMs = BACKEND_FAILURE_LOG_INTERVAL_MS, now: () => number = Date.now): FailureLog {
  const due = createLogThrottle<HookName>(intervalMs, now);
  return (hook, error) => {
    const suppressed = due(hook);
    if (suppressed === undefined) return;
    logger.error(
      { hook, url: error.url, status: error.status, failure: error.failure, detail: error.detail, ...(suppressed > 0 ? { alsoFailedSinceLastLine: suppressed } : {}) },
      `backend ${hook} hook failed: ${error.detail} (${error.url})`,
    );
  };
}
