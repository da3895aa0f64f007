/**
 * One scenario run against one server: start it (or attach to --target), sample its RSS and CPU,
 * abort if it eats more memory than allowed, always stop it and the generator at the end. Also the
 * run's time bound: every child process gets a lifetime derived from the options.
 */
import type { LoadOptions } from './options.js';
import { ProcSampler } from './targets/proc-stats.js';
import { launchCluster } from './targets/cluster-under-test.js';
import { attachTarget, dialectOf, launchServer, splitServerSpec, type ServerSpec, type ServerUnderTest } from './targets/server-under-test.js';

export interface RunContext {
  options: LoadOptions;
  server: ServerUnderTest;
  /** Samples the server process (a cluster: every worker, summed, plus supervisor and Redis); undefined when its pid is unknown. */
  sampler: ProcSampler | undefined;
  /** Child processes exit by themselves after this long. */
  lifetimeMs: number;
  /** Progress line for humans (stderr), silent with --quiet. */
  log(message: string): void;
  /** Connections open right now (set by the scenario once its generator exists). */
  connections: () => number;
  /** Cleanups run when the run ends or is aborted (e.g. closing the generator). */
  teardown: Array<() => Promise<void>>;
}

/** Upper bound on one run's wall time, from its options: ramp + duration (+ restart) + drain + slack. */
export function runLifetimeMs(options: LoadOptions): number {
  const rampSec = options.connections / options.connectRate;
  // drain: a rolling restart starts and drains each worker in turn.
  const restartSec = options.scenario === 'drain' ? splitServerSpec(options.server).workers * (options.serverDrainMs / 1000 + 15) : 0;
  return Math.ceil((rampSec * 1.5 + options.duration + restartSec + options.drain + 60) * 1000);
}

/** Starts (or attaches to) the server, runs `body`, and tears everything down whatever happens. */
export async function withServer<T>(options: LoadOptions, spec: ServerSpec, body: (ctx: RunContext) => Promise<T>): Promise<T> {
  const { kind, workers } = splitServerSpec(spec);
  const lifetimeMs = runLifetimeMs(options);
  const log = (message: string) => {
    if (!options.quiet) process.stderr.write(`[loadtest] ${message}\n`);
  };
  const server = options.target !== undefined
    ? attachTarget(options.target, options.serverPid, dialectOf(kind))
    : workers > 0
      ? await launchCluster({ workers, redisUrl: options.redis, drainMs: options.serverDrainMs, coalesceMs: options.coalesceMs, lifetimeS: lifetimeMs / 1000 + 30 })
      : await launchServer(kind, lifetimeMs / 1000 + 30);
  log(`${server.name}: ${server.build} at ${server.url}${server.pid ? ` (pid ${server.pid})` : ''}`);
  const ctx: RunContext = { options, server, sampler: undefined, lifetimeMs, log, connections: () => 0, teardown: [] };
  let abort: ((err: Error) => void) | undefined;
  const aborted = new Promise<never>((_, reject) => (abort = reject));
  aborted.catch(() => {});
  const limitBytes = options.maxServerRssMb * 1024 * 1024;
  if (server.pid !== undefined) {
    const cluster = server.cluster;
    ctx.sampler = new ProcSampler(cluster ? () => cluster.processes() : server.pid, () => ctx.connections(), 250, (sample) => {
      if (sample.rssBytes > limitBytes) abort?.(new Error(`server RSS ${(sample.rssBytes / 2 ** 20).toFixed(0)} MiB${cluster ? ` (${cluster.workers} workers together)` : ''} passed --max-server-rss ${options.maxServerRssMb}`));
    });
  }
  const deadline = setTimeout(() => abort?.(new Error(`run exceeded its time bound of ${lifetimeMs / 1000} s`)), lifetimeMs);
  try {
    return await Promise.race([body(ctx), aborted]);
  } finally {
    clearTimeout(deadline);
    for (const cleanup of ctx.teardown.reverse()) await cleanup().catch(() => {});
    ctx.sampler?.stop();
    await server.stop();
  }
}
