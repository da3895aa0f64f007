/**
 * The seam between one server and the box it is a worker of (`switchboard --workers N`): what
 * createServer needs to know to name itself and to answer /metrics and /readyz for the whole
 * box. cluster/worker.ts implements it over IPC with the supervisor; a server without it is a
 * process on its own (exclusive port, its own metrics).
 */
import type { Registry } from 'prom-client';

export interface WorkerRole {
  /** Stable name of this worker's slot (`1`…`N`): in logs, connection ids, /healthz, headers, metric labels. */
  readonly id: string;
  /** Called once with this server's metrics registry, so the box can collect it. */
  register(metrics: Registry): void;
  /** Prometheus text of every worker of the box (each series labelled `worker`). */
  boxMetrics(): Promise<string>;
  /** Whether another worker of the box is ready to serve the shared port (asked while this one drains). */
  othersReady(): boolean;
}
