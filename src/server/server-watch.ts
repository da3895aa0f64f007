/**
 * What the server tells its operator while it runs, without being asked: the engine becoming
 * unavailable and available again (with how long it was out), and connections nearing the
 * open-file limit. One cheap check a second; lines are rate-limited, so a flapping Redis or a
 * connection storm cannot flood the log. Both engine lines are warnings: the line that closes an
 * outage must show wherever the one that opened it did (the default level is warn).
 */
import type { Logger } from 'pino';
import { createLogThrottle } from './log/log-throttle.js';

/** Descriptors kept for everything that is not a client socket: listen socket, Redis, files, stdio. */
export const DESCRIPTOR_RESERVE = 32;
/** Share of the usable descriptors at which connections are reported as near the limit. */
const NEAR_LIMIT_SHARE = 0.9;
/** At most one line per kind and this interval (the next line counts what was left out). */
const LINE_INTERVAL_MS = 60_000;
const CHECK_INTERVAL_MS = 1000;

/** What the watch looks at. */
export interface WatchedServer {
  engineReady(): boolean;
  connections(): number;
  /** The process's soft open-file limit, if known. */
  descriptorLimit: number | undefined;
  maxConnections: number;
  logger: Logger;
  now?: () => number;
}

/** Most client connections the descriptor limit leaves room for, if the limit is known. */
export function connectionsWithinDescriptors(limit: number | undefined): number | undefined {
  return limit === undefined ? undefined : Math.max(0, limit - DESCRIPTOR_RESERVE);
}

/** Logs, once, a connection cap the descriptor limit cannot hold. */
export function checkDescriptorLimit(watched: Pick<WatchedServer, 'descriptorLimit' | 'maxConnections' | 'logger'>): void {
  const room = connectionsWithinDescriptors(watched.descriptorLimit);
  if (room === undefined || room >= watched.maxConnections) return;
  watched.logger.warn(
    { maxConnections: watched.maxConnections, openFileLimit: watched.descriptorLimit, connectionsWithinLimit: room },
    `maxConnections ${watched.maxConnections} is more than the open-file limit ${watched.descriptorLimit} allows (about ${room} connections): ` +
      'connections past it wait in the kernel unanswered. Raise the limit (ulimit -n, LimitNOFILE=) or lower maxConnections',
  );
}

/** Starts the once-a-second watch; returns its stop. */
export function watchServer(watched: WatchedServer): () => void {
  const now = watched.now ?? Date.now;
  const descriptorLine = createLogThrottle<'descriptors'>(LINE_INTERVAL_MS, now);
  const room = connectionsWithinDescriptors(watched.descriptorLimit);
  // Outages: one "unavailable" line per interval at most; an outage whose line was held back is
  // still reported once the interval allows, if it lasts; every reported outage gets its "again".
  let ready = watched.engineReady();
  let since = now();
  let reported = false;
  let lastReportAt: number | undefined;
  let outagesNotReported = 0;
  const check = () => {
    const at = now();
    const readyNow = watched.engineReady();
    if (readyNow !== ready) {
      if (readyNow && reported) watched.logger.warn({ unavailableMs: at - since }, 'engine available again');
      else if (readyNow) outagesNotReported++;
      ready = readyNow;
      since = at;
      reported = false;
    }
    if (!ready && !reported && (lastReportAt === undefined || at - lastReportAt >= LINE_INTERVAL_MS)) {
      watched.logger.warn(
        { unavailableMs: at - since, earlierOutagesNotLogged: outagesNotReported },
        'engine unavailable: publishes answer 503 and /readyz 503; live feeds are filled or told of a gap once it is back',
      );
      reported = true;
      lastReportAt = at;
      outagesNotReported = 0;
    }
    if (room !== undefined && watched.connections() >= room * NEAR_LIMIT_SHARE) {
      const suppressed = descriptorLine('descriptors');
      if (suppressed !== undefined) {
        watched.logger.warn(
          { connections: watched.connections(), openFileLimit: watched.descriptorLimit, connectionsWithinLimit: room, linesNotLogged: suppressed },
          'connections near the open-file limit: new ones past it will wait in the kernel unanswered',
        );
      }
    }
  };
  const timer = setInterval(check, CHECK_INTERVAL_MS);
  timer.unref();
  return () => clearInterval(timer);
}
