/**
 * The process's policy for a promise rejection nobody handled: log it with what it carries, count it
 * (`switchboard_unhandled_rejections_total`), keep serving. Node's default (throw, exit 1) turns one
 * forgotten `.catch` on one client's or one Redis call's path into a 1006 for every client of the
 * process; the linter (`no-floating-promises`) keeps new ones out, this makes a missed one visible
 * instead of fatal. The CLI and each cluster worker install it; `createServer` does not (a library
 * does not change its host process's policy). Uncaught exceptions keep Node's default, exit: after a
 * synchronous throw nobody caught, the process's state is unknown.
 */
import type { Logger } from 'pino';

/** The message of the log line of every unhandled rejection (tests look for it in a child process's stderr). */
export const UNHANDLED_REJECTION_LOG = 'unhandled promise rejection';

/** What this process's handler has seen (read by /metrics at scrape time). */
export const processFaults = { unhandledRejections: 0 };

let installed = false;

/**
 * The handler itself (exported so a test can feed it a planted rejection): counts the rejection and
 * logs its reason at `error`, stack and `cause` included (pino's `err` serializer), with the
 * logger's own context (a worker's id).
 */
export function unhandledRejectionHandler(logger: Pick<Logger, 'error'>): (reason: unknown) => void {
  return (reason) => {
    processFaults.unhandledRejections++;
    logger.error({ err: reason, unhandledRejections: processFaults.unhandledRejections }, UNHANDLED_REJECTION_LOG);
  };
}

/** Installs the handler on this process, once (a second call, e.g. a worker's server after the CLI's, does nothing). */
export function guardUnhandledRejections(logger: Pick<Logger, 'error'>): void {
  if (installed) return;
  installed = true;
  process.on('unhandledRejection', unhandledRejectionHandler(logger));
}
