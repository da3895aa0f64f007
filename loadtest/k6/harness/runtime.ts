/**
 * The harness's stand-in for k6's per-VU runtime: which VU and iteration is running (through
 * AsyncLocalStorage, so `__VU` is right inside socket and timer callbacks too), the work a VU
 * iteration still has pending (open sockets, timers, requests: k6 ends an iteration only when its
 * event loop is empty), and the metric samples every VU adds to.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

/** What a running scenario exposes to `k6/execution`. */
export interface ScenarioInfo {
  name: string;
  executor: string;
  /** Unix ms when the scenario started. */
  startTime: number;
  /** Iterations started so far in this scenario, across VUs. */
  iterations: number;
}

/** Work an iteration is waiting for; `close()` ends it early when the iteration is interrupted. */
export interface PendingWork {
  close(): void;
}

/** One VU running one iteration. */
export class IterationContext {
  private readonly pending = new Set<PendingWork>();
  private idleWaiters: Array<() => void> = [];
  /** Errors thrown by this iteration's code, including its callbacks (k6 logs them and ends the iteration). */
  readonly errors: Error[] = [];

  constructor(
    readonly vu: number,
    readonly iteration: number,
    readonly iterationInScenario: number,
    readonly scenario: ScenarioInfo,
  ) {}

  /** Registers work that keeps this iteration alive until `done()` is called on it. */
  hold(work: PendingWork): void {
    this.pending.add(work);
  }

  /** The work has finished; wakes `idle()` when nothing is left. */
  done(work: PendingWork): void {
    this.pending.delete(work);
    if (this.pending.size === 0) {
      const waiters = this.idleWaiters.splice(0);
      for (const wake of waiters) wake();
    }
  }

  /** Resolves when no work is pending (at once if none). */
  idle(): Promise<void> {
    if (this.pending.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Records an error thrown by this iteration's code and ends the iteration, as k6 does. */
  fail(err: unknown): void {
    this.errors.push(err instanceof Error ? err : new Error(String(err)));
    this.interrupt();
  }

  /** Ends all pending work (k6 interrupting an iteration after gracefulStop). */
  interrupt(): void {
    for (const work of [...this.pending]) {
      work.close();
      this.done(work);
    }
  }
}

const storage = new AsyncLocalStorage<IterationContext>();

/** The iteration whose code is running now, or undefined in the init context. */
export function currentIteration(): IterationContext | undefined {
  return storage.getStore();
}

/** The iteration whose code is running now; throws in the init context, like k6 does for VU-only APIs. */
export function requireIteration(api: string): IterationContext {
  const ctx = storage.getStore();
  if (ctx === undefined) throw new Error(`${api} is only available inside VU code, not in the init context`);
  return ctx;
}

/**
 * Runs a callback (socket event, timer) as code of iteration `ctx`. A throw is the iteration's
 * error, not the harness's: it is recorded and the iteration ends.
 */
export function runInIteration(ctx: IterationContext, fn: () => void): void {
  try {
    storage.run(ctx, fn);
  } catch (err) {
    ctx.fail(err);
  }
}

/** Runs a VU's exported function as iteration `ctx`; resolves when it returned and its event loop is empty. */
export async function runIteration(ctx: IterationContext, fn: () => unknown): Promise<void> {
  try {
    await storage.run(ctx, fn);
  } catch (err) {
    ctx.fail(err);
  }
  await ctx.idle();
}

/** Metric kinds of k6/metrics. */
export type MetricType = 'counter' | 'gauge' | 'rate' | 'trend';

/** All samples of one metric, as k6 would aggregate them at the end of a run. */
export interface MetricSink {
  type: MetricType;
  /** Trend: the value is a duration in ms. */
  isTime: boolean;
  values: number[];
}

/** Every metric of the current run, keyed by name (k6 merges metrics of the same name across VUs). */
export const metricRegistry = new Map<string, MetricSink>();

/** The sink for a metric, created on first use; refuses a name reused with another type. */
export function sinkFor(name: string, type: MetricType, isTime = false): MetricSink {
  let sink = metricRegistry.get(name);
  if (sink === undefined) {
    sink = { type, isTime, values: [] };
    metricRegistry.set(name, sink);
  } else if (sink.type !== type) {
    throw new Error(`metric ${name} is already a ${sink.type}, cannot redeclare it as a ${type}`);
  }
  return sink;
}

/** Adds one sample; the harness's built-in metrics go through here too. */
export function addSample(name: string, type: MetricType, value: number, isTime = false): void {
  sinkFor(name, type, isTime).values.push(value);
}

/** The k6 globals a script may read: `__ENV`, `__VU`, `__ITER` (0 / undefined in the init context). */
export function installGlobals(env: Record<string, string>): void {
  Object.defineProperty(globalThis, '__ENV', { value: env, configurable: true, writable: true });
  Object.defineProperty(globalThis, '__VU', { get: () => currentIteration()?.vu ?? 0, configurable: true });
  Object.defineProperty(globalThis, '__ITER', { get: () => currentIteration()?.iteration, configurable: true });
}
