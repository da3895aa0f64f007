/**
 * Prometheus metrics (prom-client). The hot path only bumps plain integers (core, traffic and
 * connection counters); prom-client reads them at scrape time through collect callbacks. Parts
 * above this layer (protocol fronts) add their own series through a MetricRegistrar.
 */
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { processFaults } from '../runtime/unhandled-rejections.js';
import type { FilteredCounters } from '../core/filtered-followers.js';
import type { SlowConsumerCounters } from '../core/slow-consumers.js';
import type { CoreCounters } from '../core/topic-core.js';
import type { TopicRate } from '../core/topic-tally.js';
import type { TrafficCounters } from '../connection/traffic.js';

/** What the metrics read at scrape time. */
export interface MetricSources {
  /** Open connections. */
  connections(): number;
  /** Connections ever accepted. */
  connectionsOpened(): number;
  core: CoreCounters;
  lanes: SlowConsumerCounters;
  /** Filtered subscriptions' deliveries (core/filtered-followers.ts). */
  filtered: FilteredCounters;
  traffic: TrafficCounters;
  /** Bytes the history store accounts for, when it reports it. */
  historyBytes(): number;
  /** Whether the engine can publish now. */
  engineReady(): boolean;
  /** The busiest topics of the last window (core/topic-tally.ts: at most TOP_TOPICS of them). */
  topTopics(): readonly TopicRate[];
  /** Parts that add their own series (protocol fronts), after the server's own, in this order. */
  contributors: ReadonlyArray<MetricContributor>;
}

/**
 * How a part outside this layer adds series to the server's registry without naming prom-client:
 * each reads a plain number at scrape time, like every series here.
 */
export interface MetricRegistrar {
  /** A counter mirroring a monotonic integer. */
  counter(name: string, help: string, read: () => number): void;
  /** A gauge set to the number read. */
  gauge(name: string, help: string, read: () => number): void;
}

/** Something that brings series of its own (a protocol front). */
export interface MetricContributor {
  metrics(registrar: MetricRegistrar): void;
}

/** A registry of this server's metrics (one per server, so several servers can share a process). */
export function createMetrics(sources: MetricSources): Registry {
  const { core, lanes, traffic } = sources;
  const registry = new Registry();
  // prom-client's names already start with process_ / nodejs_: the prefix is just ours.
  collectDefaultMetrics({ register: registry, prefix: 'switchboard_' });

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
      this.set(sources.connections());
    },
  });
  counter('switchboard_connections_opened_total', 'WebSocket connections accepted', () => sources.connectionsOpened());
  counter('switchboard_upgrades_refused_total', 'WebSocket upgrades refused (origin, limits, auth)', () => traffic.upgradesRefused);
  counter('switchboard_rate_limited_total', 'Connections closed with 4002 and HTTP API requests answered 429 for a rate limit', () => traffic.rateLimited);
  counter('switchboard_messages_in_total', 'WebSocket messages received from clients', () => traffic.messagesIn);
  counter('switchboard_bytes_in_total', 'WebSocket bytes received from clients', () => traffic.bytesIn);
  counter('switchboard_bad_frames_total', 'Client frames answered with BAD_FRAME or UNKNOWN_KIND', () => traffic.badFrames);
  counter('switchboard_publications_total', 'Publications fanned out by this server', () => core.publications);
  counter('switchboard_deliveries_total', 'Publications times this server\'s subscribers of their topic: messages handed to sockets', () => core.deliveries);
  counter('switchboard_filtered_deliveries_total', 'Publications handed to filtered subscriptions whose tag filter matched (part of deliveries)', () => sources.filtered.sent);
  counter('switchboard_filtered_out_total', 'Publications filtered subscriptions did not get because their tag filter did not match', () => sources.filtered.filteredOut);
  counter('switchboard_published_bytes_total', 'Payload bytes of publications fanned out', () => core.publishedBytes);
  counter('switchboard_slow_consumers_lagged_total', 'Sockets moved to the slow lane (drop/conflate policies)', () => lanes.lagged);
  counter('switchboard_slow_consumers_closed_total', 'Sockets closed with SLOW_CONSUMER (4003)', () => lanes.closed);
  counter('switchboard_slow_consumer_skipped_total', 'Publications skipped for lagging sockets (drop policy; recoverable from history)', () => lanes.skipped);
  counter('switchboard_slow_consumer_conflated_total', 'Publications replaced by a newer one for lagging sockets (conflate policy)', () => lanes.conflated);
  // Process-wide (unhandled-rejections.ts): every server of a process reports the same count.
  counter('switchboard_unhandled_rejections_total', 'Promise rejections nobody handled, logged and survived (each one is a bug)', () => processFaults.unhandledRejections);
  counter('switchboard_history_store_errors_total', 'History store reads that failed (attaching a subscription, a slow consumer\'s Gap) and presence store calls that failed', () => core.storeErrors);
  new Gauge({
    name: 'switchboard_history_bytes',
    help: 'Bytes budgeted by the in-memory history store (state and retained payloads)',
    registers: [registry],
    collect() {
      this.set(sources.historyBytes());
    },
  });
  new Gauge({
    name: 'switchboard_engine_ready',
    help: 'Whether the engine can publish (1) or its shared store is unreachable (0); always 1 for the in-memory engine',
    registers: [registry],
    collect() {
      this.set(sources.engineReady() ? 1 : 0);
    },
  });
  new Gauge({
    name: 'switchboard_top_topic_publications_per_second',
    help: 'Publications per second of the busiest topics over the last window (at least 5 s; at most 10 topics, from a tally of 64)',
    labelNames: ['topic'],
    registers: [registry],
    collect() {
      // Only the topics of the last window: a topic that left the top stops being exported.
      this.reset();
      for (const { topic, perSecond } of sources.topTopics()) this.set({ topic }, perSecond);
    },
  });
  counter('switchboard_http_publishes_total', 'Publications received through the HTTP API', () => traffic.httpPublishes);
  const gauge = (name: string, help: string, read: () => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(read());
      },
    });
  const registrar: MetricRegistrar = { counter, gauge };
  for (const contributor of sources.contributors) contributor.metrics(registrar);
  return registry;
}
