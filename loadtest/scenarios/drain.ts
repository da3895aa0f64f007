/**
 * drain: what a planned restart does to clients. Subscribers (and probes) connect to a cluster and
 * a publisher streams numbered publications (acknowledged, so in-flight ones at a close are not
 * counted as published) at a modest `--rate`; after a second of that, the drain is triggered:
 *
 * - `--drain-signal hup` (default): SIGHUP to the supervisor, a rolling restart. Each worker in turn
 *   gets a ready replacement, then drains (1012 spread over drainMs). Works with one worker too:
 *   this is how a single server restarts without dropping its clients (a plain process that drains
 *   has nobody to hand its clients to), so drain always runs a supervisor (`switchboard:1` at least).
 * - `--drain-signal term`: SIGTERM to one worker (one without the publisher). The supervisor takes
 *   a worker that drains on its own signal as deliberate (systemd's control-group stop) and does
 *   not replace it; its clients move to the others.
 *
 * Every generator connection reconnects the way the SDK does after 1012 and resubscribes from its
 * last position (recovery.ts). Publishing goes on until the restart is over and `--duration` has
 * passed; then the run waits for every client to be back and for messages in flight.
 */
import type { PublishResult, ReconnectReport } from '../generator/ipc.js';
import { summariseDrain } from '../report/drain-summary.js';
import { nowUs } from '../generator/clock.js';
import { Generator } from '../generator/generator.js';
import { tallyLoss, type ScenarioResult } from '../report/result.js';
import type { ClusterControl } from '../targets/server-under-test.js';
import type { RunContext } from '../run.js';
import { baseResult, checkConnected, explained, readConnected, startGenerator } from './common.js';

/** Publishing before the drain starts, ms: the stream is flowing when the first 1012 arrives. */
const LEAD_IN_MS = 1000;
/** Publishing goes on in chunks of this length until the restart is over. */
const CHUNK_MS = 1000;
/** Longest wait for every client to be subscribed again after the restart, ms. */
const BACK_TIMEOUT_MS = 30_000;

async function reconnectReports(generator: Generator): Promise<ReconnectReport[]> {
  const answers = await Promise.all(generator.workers.map((worker) => worker.request<ReconnectReport | null>({ type: 'reconnects' })));
  return answers.filter((answer): answer is ReconnectReport => answer !== null);
}

/** Sends the signal; resolves with its description once the drain it causes is over. */
async function trigger(ctx: RunContext, cluster: ClusterControl, generator: Generator): Promise<{ description: string; done: Promise<void> }> {
  const from = cluster.events.length;
  const timeoutMs = cluster.workers * (cluster.drainMs + 30_000);
  if (ctx.options.drainSignal === 'hup') {
    cluster.rollingRestart();
    const done = cluster.waitFor((e) => e.type === 'restart-done' || e.type === 'restart-stopped', from, timeoutMs, 'rolling restart done').then((e) => {
      if (e.type === 'restart-stopped') throw new Error(`the rolling restart stopped: ${e.line}`);
    });
    return { description: `SIGHUP to the supervisor (rolling restart of ${cluster.workers} worker${cluster.workers === 1 ? '' : 's'})`, done };
  }
  // SIGTERM to a worker the publisher is not on, so the stream itself is not interrupted.
  const publishers = await generator.role('publishers')!.request<ReconnectReport>({ type: 'reconnects' });
  const publisherWorkers = new Set(Object.keys(publishers.openByWorker));
  const workers = cluster.processes().filter((p) => p.role === 'server').sort((a, b) => Number(b.worker) - Number(a.worker));
  const victim = workers.find((p) => !publisherWorkers.has(p.worker!)) ?? workers[0];
  if (victim === undefined) throw new Error('no worker to drain');
  process.kill(victim.pid, 'SIGTERM');
  const done = cluster.waitFor((e) => (e.type === 'exited' || e.type === 'died') && e.pid === victim.pid, from, timeoutMs, `worker ${victim.worker} exit`).then(() => {});
  return { description: `SIGTERM to worker ${victim.worker} (pid ${victim.pid}); the supervisor replaces it`, done };
}

export async function runDrain(ctx: RunContext): Promise<ScenarioResult> {
  const { options, log } = ctx;
  const cluster = ctx.server.cluster;
  if (cluster === undefined) throw new Error('drain: needs a cluster (switchboard:<n>)');
  const rssBaseline = ctx.sampler?.sample()?.rssBytes ?? null;
  const generator = await startGenerator(ctx, { subscribers: options.connections, probes: options.probes, publishers: options.publishers, rpcCallers: 0, reconnect: true });
  log(`connecting ${options.connections} subscribers + ${options.probes} probes + ${options.publishers} publishers to ${cluster.workers} worker${cluster.workers === 1 ? '' : 's'}`);
  const connect = await generator.connect();
  checkConnected(ctx, generator, connect, ['publishers']);
  const connected = await readConnected(ctx);
  const publisher = generator.role('publishers')!;
  let triggeredUs = 0;
  let description = '';
  const eventsFrom = cluster.events.length;
  const { window } = await explained(generator, () =>
    generator.window(ctx.sampler, async () => {
      const publish = () => publisher.request<PublishResult>({ type: 'publish', rate: options.rate, durationMs: CHUNK_MS, payloadBytes: options.payload });
      const started = Date.now();
      log(`publishing ${options.rate} msg/s (acknowledged); the drain starts after ${LEAD_IN_MS} ms`);
      await publisher.request<PublishResult>({ type: 'publish', rate: options.rate, durationMs: LEAD_IN_MS, payloadBytes: options.payload });
      triggeredUs = nowUs();
      const drain = await trigger(ctx, cluster, generator);
      description = drain.description;
      log(`${description}; drainMs ${cluster.drainMs}`);
      let over = false;
      let failed: unknown;
      drain.done.then(() => (over = true), (err: unknown) => ((failed = err), (over = true)));
      // One more chunk after the restart is over: the stream keeps flowing through the new workers.
      let after = 0;
      while (after < 1 || Date.now() - started < options.duration * 1000) {
        await publish();
        if (over) after++;
      }
      if (failed !== undefined) throw failed;
    }),
  );
  log('waiting for every client to be subscribed again');
  const backBy = Date.now() + BACK_TIMEOUT_MS;
  while (Date.now() < backBy) {
    const reports = await reconnectReports(generator);
    if (reports.every((r) => r.down === 0)) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  await generator.drain(Number.MAX_SAFE_INTEGER, options.drain);
  const reports = await generator.reports();
  const reconnects = reports.flatMap((r) => (r.reconnects === undefined ? [] : [r.reconnects]));
  const ackedPerTopic = reports.find((r) => r.role === 'publishers')?.reconnects?.ackedPerTopic;
  const published = ackedPerTopic?.reduce((sum, n) => sum + n, 0) ?? 0;
  const result = baseResult(ctx, {
    window,
    reports,
    latency: Generator.latency(reports, ['probes']),
    published,
    publishedPerTopic: ackedPerTopic,
    connections: connect.ok,
    rssBaseline,
    rssConnected: connected.sample?.rssBytes ?? null,
    connected,
  });
  result.connect = connect;
  const { lost } = tallyLoss(reports.flatMap((r) => r.topics), ackedPerTopic);
  result.drain = summariseDrain({
    trigger: description,
    drainMs: cluster.drainMs,
    workers: cluster.workers,
    triggeredUs,
    reports: reconnects,
    events: cluster.events.slice(eventsFrom),
    lost,
  });
  const d = result.drain;
  if (Object.keys(d.unexpectedCloseCodes).length > 0) result.errors.push(`close codes other than 1012: ${JSON.stringify(d.unexpectedCloseCodes)}`);
  if (d.down > 0) result.errors.push(`${d.down} clients were not subscribed again within ${BACK_TIMEOUT_MS / 1000} s`);
  if (d.notRecovered > 0) result.errors.push(`${d.notRecovered} resubscribes came back recovered: false`);
  if (d.clientsWithGap > 0) result.errors.push(`${d.clientsWithGap} clients have a gap in their seqs`);
  return result;
}
