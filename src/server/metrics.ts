/**
 * Prometheus metrics (prom-client). The hot path only bumps plain integers (Hub and connection
 * counters); prom-client reads them at scrape time through collect callbacks.
 */
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { Hub } from './hub.js';

/** Counters for traffic the Hub does not see (inbound messages, refusals). */
export interface TrafficCounters {
  messagesIn: number;
  bytesIn: number;
  badFrames: number;
  upgradesRefused: number;
  httpPublishes: number;
  /** Connections closed with 4002 and HTTP API requests answered 429 for exceeding a rate limit. */
  rateLimited: number;
}

export function newTrafficCounters(): TrafficCounters {
  return { messagesIn: 0, bytesIn: 0, badFrames: 0, upgradesRefused: 0, httpPublishes: 0, rateLimited: 0 };
}

/** A registry of this server's metrics (one per server, so several servers can share a process). */
export function createMetrics(hub: Hub, traffic: TrafficCounters): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'switchboard_process_' });

  const counter = (name: string, help: string, read: () => number) =>
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        // Counters only go up; reset-then-inc mirrors our own monotonic integer.
        this.reset();
        this.inc(read());
      },
    });

  new Gauge({
    name: 'switchboard_connections',
    help: 'Open WebSocket connections',
    registers: [registry],
    collect() {
      this.set(hub.connections.size);
    },
  });
  counter('switchboard_connections_opened_total', 'WebSocket connections accepted', () => hub.counters.connectionsOpened);
  counter('switchboard_upgrades_refused_total', 'WebSocket upgrades refused (origin, limits, auth)', () => traffic.upgradesRefused);
  counter('switchboard_rate_limited_total', 'Connections closed with 4002 and HTTP API requests answered 429 for a rate limit', () => traffic.rateLimited);
  counter('switchboard_messages_in_total', 'WebSocket messages received from clients', () => traffic.messagesIn);
  counter('switchboard_bytes_in_total', 'WebSocket bytes received from clients', () => traffic.bytesIn);
  counter('switchboard_bad_frames_total', 'Client frames answered with BAD_FRAME or UNKNOWN_KIND', () => traffic.badFrames);
  counter('switchboard_publications_total', 'Publications fanned out by this server', () => hub.counters.publications);
  counter('switchboard_published_bytes_total', 'Payload bytes of publications fanned out', () => hub.counters.publishedBytes);
  counter('switchboard_slow_consumers_lagged_total', 'Sockets moved to the slow lane (drop/conflate policies)', () => hub.lanes.counters.lagged);
  counter('switchboard_slow_consumers_closed_total', 'Sockets closed with SLOW_CONSUMER (4003)', () => hub.lanes.counters.closed);
  counter('switchboard_slow_consumer_skipped_total', 'Publications skipped for lagging sockets (drop policy; recoverable from history)', () => hub.lanes.counters.skipped);
  counter('switchboard_slow_consumer_conflated_total', 'Publications replaced by a newer one for lagging sockets (conflate policy)', () => hub.lanes.counters.conflated);
  counter('switchboard_history_store_errors_total', 'History store reads that failed while attaching a subscription', () => hub.counters.storeErrors);
  new Gauge({
    name: 'switchboard_history_bytes',
    help: 'Bytes budgeted by the in-memory history store (state and retained payloads)',
    registers: [registry],
    collect() {
      this.set(hub.historyBytes());
    },
  });
  counter('switchboard_http_publishes_total', 'Publications received through the HTTP API', () => traffic.httpPublishes);
  return registry;
}
