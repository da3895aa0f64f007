/**
 * Pieces every scenario shares: starting the generator inside a run, and turning the measurements
 * into a ScenarioResult.
 */
import { Generator, type GeneratorSpec, type Window } from '../generator/generator.js';
import { newHistogram, percentileCurve, summarise, type Histogram } from '../generator/histogram.js';
import type { WorkerReport, WorkerRole } from '../generator/ipc.js';
import { judgeBottleneck, machineInfo, tallyLoss, type ScenarioResult } from '../report/result.js';
import type { RunContext } from '../run.js';
import type { LoadOptions } from '../options.js';
import { serverEfficiency } from '../report/efficiency.js';
import { diagnoseRefusals } from '../targets/refusals.js';
import type { ConnectSummary } from '../generator/generator.js';
import { publicationShapeFor } from '../dialects/publication-shape.js';
import type { Sample } from '../targets/proc-stats.js';
import { serverProcessLines } from '../targets/server-processes.js';

const MIN_CONNECTIONS_FOR_RSS = 1000;

/** Starts the generator for a run and registers it for teardown. */
export async function startGenerator(ctx: RunContext, spec: Omit<GeneratorSpec, 'server' | 'lifetimeMs' | 'workers' | 'connectRate' | 'topics' | 'topicsPerConnection' | 'sourceAddresses'>): Promise<Generator> {
  const { options } = ctx;
  const generator = await Generator.start({
    ...spec,
    server: ctx.server,
    lifetimeMs: ctx.lifetimeMs,
    workers: options.workers,
    connectRate: options.connectRate,
    topics: options.topics,
    topicsPerConnection: options.topicsPerConnection,
    sourceAddresses: options.sourceAddresses,
    publication: publicationShapeFor(options),
  });
  ctx.teardown.push(() => generator.close());
  ctx.connections = () => generator.openConnections();
  return generator;
}

/**
 * After connecting: says which server limit refused connections (when one did), and stops the run
 * when the roles it cannot do without (the publishers) have no connection at all, instead of
 * failing later with "no open publisher connection".
 */
export function checkConnected(ctx: RunContext, generator: Generator, connect: ConnectSummary, needed: readonly WorkerRole[]): string[] {
  if (connect.failed === 0) return [];
  const diagnosis = diagnoseRefusals(connect.errors);
  ctx.log(`${connect.failed} connections failed: ${connect.errors.join('; ')}`);
  for (const line of diagnosis) ctx.log(line);
  const missing = needed.filter((role) => (generator.role(role)?.progress.open ?? 0) === 0);
  if (missing.length > 0) {
    const why = diagnosis.length > 0 ? diagnosis.map((line) => `  - ${line}`).join('\n') : `  - ${connect.errors.join('\n  - ')}`;
    throw new Error(`no ${missing.join(' or ')} connection could open (${connect.failed} of ${connect.failed + connect.ok} connections refused):\n${why}`);
  }
  return diagnosis;
}

/**
 * Runs a step that may fail because the server shut the generator out mid-run (e.g. a publisher
 * closed for its message rate); the error then says which limit did it, from the workers' notes.
 */
export async function explained<T>(generator: Generator, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (err) {
    const notes = await generator.reports().then((reports) => reports.flatMap((report) => report.errors), () => []);
    const diagnosis = diagnoseRefusals(notes);
    if (diagnosis.length === 0) throw err;
    throw new Error(`${(err as Error).message}; the workers saw: ${[...new Set(notes)].join('; ')}\n${diagnosis.map((line) => `  - ${line}`).join('\n')}`, { cause: err });
  }
}

export interface Measurements {
  window: Window;
  reports: WorkerReport[];
  latency: Histogram;
  published: number;
  publishedPerTopic?: number[];
  /** Publications of the measurement window alone, per topic: what the deliveries due are counted from. */
  windowPublishedPerTopic?: readonly number[];
  connections: number;
  /** RSS just before connecting and once connected (null without a pid). */
  rssBaseline: number | null;
  rssConnected: number | null;
  /** Clusters: the reading `rssConnected` came from, and /metrics connections per worker then. */
  connected?: ConnectedReading;
}

/** The server's reading with every connection open, and (clusters) what each worker holds. */
export interface ConnectedReading {
  sample: Sample | undefined;
  connectionsByWorker: Record<string, number> | undefined;
}

/** Takes the server's reading now (or uses `sample`) and, for a cluster, scrapes connections per worker. */
export async function readConnected(ctx: RunContext, sample: Sample | undefined = ctx.sampler?.sample()): Promise<ConnectedReading> {
  return { sample, connectionsByWorker: await ctx.server.cluster?.connectionsByWorker() };
}

/** The fields every scenario fills the same way. */
export function baseResult(ctx: RunContext, m: Measurements): ScenarioResult {
  const loss = tallyLoss(m.reports.flatMap((report) => report.topics), m.publishedPerTopic);
  const machine = machineInfo();
  const { serverCpuPercent, generatorCpuPercent, machineCpuPercent } = m.window;
  const efficiency = serverEfficiency(m.window.serverBefore, m.window.serverAfter, m.window.received);
  const errors = [...new Set(m.reports.flatMap((report) => report.errors))].slice(0, 10);
  const closed = m.reports.reduce((sum, report) => sum + report.closedUnexpectedly, 0);
  if (closed > 0) errors.unshift(`${closed} connections closed unexpectedly during the run`);
  errors.push(...diagnoseRefusals(errors));
  // Below ~1,000 connections the RSS difference is allocator and GC noise, not connections.
  const rssPerConnection = m.rssBaseline !== null && m.rssConnected !== null && m.connections >= MIN_CONNECTIONS_FOR_RSS ? Math.round((m.rssConnected - m.rssBaseline) / m.connections) : null;
  const cluster = ctx.server.cluster;
  const processes = cluster === undefined || ctx.sampler === undefined ? undefined : serverProcessLines({
    samples: ctx.sampler.samples,
    before: m.window.serverBefore,
    after: m.window.serverAfter,
    wallSec: m.window.wallSec,
    connected: m.connected?.sample,
    connections: m.connected?.connectionsByWorker,
  });
  return {
    scenario: ctx.options.scenario,
    server: ctx.server.name,
    serverBuild: ctx.server.build,
    connections: m.connections,
    params: {
      connections: ctx.options.connections,
      topics: ctx.options.topics,
      topicsPerConnection: ctx.options.topicsPerConnection,
      rate: ctx.options.rate,
      payload: ctx.options.payload,
      duration: ctx.options.duration,
      probes: ctx.options.probes,
      publishers: ctx.options.publishers,
      workers: ctx.options.workers,
      ...(ctx.options.scenario === 'http-publish' ? { httpConnections: ctx.options.httpConnections, httpPipelining: ctx.options.httpPipelining } : {}),
      ...(cluster ? { serverWorkers: cluster.workers, serverDrainMs: cluster.drainMs } : {}),
    },
    durationSec: round(m.window.wallSec, 3),
    published: m.published,
    offeredPerSec: Math.round(m.published / m.window.wallSec),
    delivered: m.window.received,
    deliveredPerSec: Math.round(m.window.received / m.window.wallSec),
    ...arrivalCounts(m),
    latencyMs: summarise(m.latency),
    latencyCurve: percentileCurve(m.latency),
    lost: loss.lost,
    duplicated: loss.duplicated,
    outOfOrder: loss.outOfOrder,
    serverRssBytes: ctx.sampler ? ctx.sampler.peakRssBytes : null,
    serverRssBaselineBytes: m.rssBaseline,
    rssPerConnectionBytes: rssPerConnection,
    serverCpuPercent: serverCpuPercent === null ? null : round(serverCpuPercent, 1),
    generatorCpuPercent: {
      total: round(generatorCpuPercent.total, 1),
      byRole: Object.fromEntries(Object.entries(generatorCpuPercent.byRole).map(([role, value]) => [role, round(value, 1)])),
    },
    machineCpuPercent: machineCpuPercent === null ? null : round(machineCpuPercent, 1),
    serverCpuUsPerDelivery: efficiency.cpuUsPerDelivery === null ? null : round(efficiency.cpuUsPerDelivery, 3),
    deliveriesPerServerCoreSec: efficiency.deliveriesPerCoreSec === null ? null : Math.round(efficiency.deliveriesPerCoreSec),
    bottleneck: judgeBottleneck(serverCpuPercent, generatorCpuPercent.byRole, machine.cpus, generatorCpuPercent.total, machineCpuPercent),
    errors,
    ...(cluster ? { serverWorkers: cluster.workers, serverRssConnectedBytes: m.connected?.sample?.rssBytes ?? null, serverProcesses: processes ?? [] } : {}),
    machine,
    startedAt: new Date().toISOString(),
  };
}

/**
 * Where the window's deliveries went, besides arriving in it: how many were due (each publication
 * × its topic's subscriptions) and how many arrived after the window (the reports are taken after
 * the wait for stragglers and count from the same mark as the window).
 */
function arrivalCounts(m: Measurements): Pick<ScenarioResult, 'deliveriesDue' | 'deliveredLate'> {
  if (m.windowPublishedPerTopic === undefined) return {};
  const subscriptions = new Map<number, number>();
  for (const tally of m.reports.flatMap((report) => report.topics)) subscriptions.set(tally.topic, (subscriptions.get(tally.topic) ?? 0) + tally.subscriptions);
  const due = m.windowPublishedPerTopic.reduce((sum, count, topic) => sum + count * (subscriptions.get(topic) ?? 0), 0);
  const receivedSinceMark = m.reports.reduce((sum, report) => sum + report.received, 0);
  return { deliveriesDue: due, deliveredLate: Math.max(0, receivedSinceMark - m.window.received) };
}

export const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;

/** A result that says a server's run failed, so `compare` can go on with the next server. */
export function failedResult(options: LoadOptions, server: string, err: unknown): ScenarioResult {
  const empty = summarise(newHistogram());
  return {
    scenario: options.scenario,
    server,
    serverBuild: 'run failed',
    connections: 0,
    params: { connections: options.connections, topics: options.topics, rate: options.rate, payload: options.payload, duration: options.duration },
    durationSec: 0,
    published: 0,
    offeredPerSec: 0,
    delivered: 0,
    deliveredPerSec: 0,
    latencyMs: empty,
    latencyCurve: [],
    lost: 0,
    duplicated: 0,
    outOfOrder: 0,
    serverRssBytes: null,
    serverRssBaselineBytes: null,
    rssPerConnectionBytes: null,
    serverCpuPercent: null,
    generatorCpuPercent: { total: 0, byRole: {} },
    machineCpuPercent: null,
    serverCpuUsPerDelivery: null,
    deliveriesPerServerCoreSec: null,
    bottleneck: 'n/a (run failed)',
    errors: [`run failed: ${err instanceof Error ? err.message : String(err)}`],
    machine: machineInfo(),
    startedAt: new Date().toISOString(),
  };
}
