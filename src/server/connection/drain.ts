/**
 * Graceful drain: how a server leaves without its clients noticing. Readiness goes first (the
 * caller answers /readyz 503 before calling this), so a load balancer that polls it stops sending
 * new clients; the listen socket stays open for the first quarter of the window, because a
 * balancer only learns by polling and a refused connection is worse than one closed with 1012; then
 * the listener closes (with SO_REUSEPORT the kernel sends new connections to the other workers)
 * and the open sockets are closed with 1012 SERVICE_RESTART evenly over the rest of the window,
 * so thousands of clients do not reconnect, resubscribe and replay history in the same
 * millisecond on the servers that remain.
 */
import { CloseCode } from '../../protocol/codes.js';

/** The close reason sent with 1012. */
export const DRAIN_REASON = 'service restart';

/** One open connection, as far as draining is concerned. */
export interface Drainable {
  close(code: number, reason: string): void;
}

/** What a drain needs from the server. */
export interface DrainHost {
  /** The connections open now (those that open during the drain are closed at its end). */
  connections(): Iterable<Drainable>;
  /** How many connections are open. */
  count(): number;
  /** Stops accepting connections. */
  stopListening(): void;
  /** Writes out anything a connection still has queued (coalesced frames) before it is closed. */
  flush(): void;
}

/** Resolves after `ms` milliseconds. */
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Share of the window during which the listener stays open while readiness already says 503. */
const NOTICE_SHARE = 0.25;

/**
 * Drains over `drainMs` (0: listener closed and every socket closed at once): listener open for
 * the first quarter, then closes spread evenly over the remaining three quarters. Resolves when
 * every connection has been asked to close (the caller waits for the sockets to go).
 */
export async function drainConnections(host: DrainHost, drainMs: number, now: () => number = Date.now): Promise<void> {
  const noticeMs = Math.floor(drainMs * NOTICE_SHARE);
  if (noticeMs > 0) await sleep(noticeMs);
  host.stopListening();
  const queue = [...host.connections()];
  const spreadMs = drainMs - noticeMs;
  const start = now();
  for (let i = 0; i < queue.length; ) {
    // Connection i is due at start + i·spread/n: close everything due, then sleep to the next one.
    const elapsed = now() - start;
    const due = queue.length <= 1 ? 0 : Math.floor((i * spreadMs) / queue.length);
    if (due > elapsed) {
      await sleep(Math.min(due - elapsed, 50));
      continue;
    }
    host.flush();
    while (i < queue.length && Math.floor((i * spreadMs) / queue.length) <= elapsed) closeQuietly(queue[i++]!);
  }
  // Upgrades that were authenticating when the listener closed open afterwards: they go too.
  host.flush();
  for (const late of [...host.connections()]) closeQuietly(late);
}

// A connection that closed on its own since the snapshot must not stop the drain.
function closeQuietly(connection: Drainable): void {
  try {
    connection.close(CloseCode.ServiceRestart, DRAIN_REASON);
  } catch {
    // already gone
  }
}
