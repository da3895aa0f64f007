/**
 * The box's /metrics: asks every live worker for its registry's metrics over IPC and merges them
 * (series keep their `worker` label). prom-client's own cluster aggregator times out (5 s) on a
 * worker that has not loaded it yet, so the metrics travel over our own messages and only its
 * `aggregate()` is used.
 */
import { AggregatorRegistry } from 'prom-client';
import type { MetricsJson } from './messages.js';

/** How long one worker's metrics may take before a scrape goes on without them. */
const COLLECT_TIMEOUT_MS = 2000; // 2 s

/** Collects and merges the workers' metrics; `W` is however the supervisor names a worker. */
export class BoxMetrics<W> {
  private nextCollect = 0;
  private readonly collecting = new Map<number, { arrived: MetricsJson[]; expect: number; done: () => void }>();

  /** @param ask sends worker `W` the request `id` (a `switchboard:collect` message). */
  constructor(private readonly ask: (worker: W, id: number) => void) {}

  /** The merged metrics text of `workers`; a worker that does not answer in time is left out. */
  async collect(workers: readonly W[]): Promise<string> {
    const id = this.nextCollect++;
    const arrived: MetricsJson[] = [];
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, COLLECT_TIMEOUT_MS);
      const done = () => (clearTimeout(timer), resolve());
      this.collecting.set(id, { arrived, expect: workers.length, done });
      if (workers.length === 0) done();
      for (const worker of workers) this.ask(worker, id);
    });
    this.collecting.delete(id);
    return AggregatorRegistry.aggregate(arrived).metrics();
  }

  /** A worker's answer to request `id` (late answers, after the timeout, are dropped). */
  received(id: number, metrics: MetricsJson): void {
    const request = this.collecting.get(id);
    if (request === undefined) return;
    request.arrived.push(metrics);
    if (request.arrived.length === request.expect) request.done();
  }
}
