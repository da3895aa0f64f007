/**
 * The IPC messages between the supervisor and its workers (child_process.fork's channel). Every
 * type starts with `switchboard:` so nothing else on the channel can be mistaken for one.
 */
import type { Registry } from 'prom-client';

/** One registry's metrics as `Registry.getMetricsAsJSON()` gives them (what AggregatorRegistry.aggregate takes). */
export type MetricsJson = Awaited<ReturnType<Registry['getMetricsAsJSON']>>;

/** Worker → supervisor. */
export type WorkerMessage =
  /** Listening and its engine started: it may take traffic. */
  | { type: 'switchboard:ready'; url: string }
  /** Draining on its own (a signal sent to it directly, e.g. systemd's KillMode=control-group). */
  | { type: 'switchboard:draining' }
  /** A scrape landed here: asks for every worker's metrics. */
  | { type: 'switchboard:box-metrics'; id: number }
  /** This worker's metrics, answering `collect`. */
  | { type: 'switchboard:metrics'; id: number; metrics: MetricsJson };

/** Supervisor → worker. */
export type SupervisorMessage =
  /** Drain (1012 spread over drainMs) and exit. */
  | { type: 'switchboard:drain' }
  /** How many workers of the box are ready (draining and starting ones not counted). */
  | { type: 'switchboard:box'; ready: number }
  /** Send your registry's metrics. */
  | { type: 'switchboard:collect'; id: number }
  /** The box's metrics text, answering `box-metrics`. */
  | { type: 'switchboard:box-metrics'; id: number; text: string };

/** The env variable that makes the CLI run as worker `<id>` of a supervisor. */
export const WORKER_ID_ENV = 'SWITCHBOARD_WORKER_ID';

/** Whether an IPC message is one of ours (anything else on the channel is ignored). */
export function isOurs<T extends { type: string }>(message: unknown): message is T {
  return typeof message === 'object' && message !== null && typeof (message as { type?: unknown }).type === 'string' && (message as { type: string }).type.startsWith('switchboard:');
}
