/**
 * The result every scenario produces: printed as a table, written as JSON (--json) and HTML
 * (--html). Field names are part of the harness's interface; add, do not rename.
 */
import { cpus, release } from 'node:os';
import { readFileSync } from 'node:fs';
import type { LatencySummary } from '../generator/histogram.js';
import type { TopicTally } from '../generator/ipc.js';
import type { DrainSummary } from './drain-summary.js';

/** One process of a cluster under test, on its own line of the result. */
export interface ServerProcessLine {
  /** `worker 2`, `worker 1 (exited)` (replaced during the run), `supervisor`, `redis-server`. */
  name: string;
  /** `server` for a worker (these are summed into the server's figures). */
  role: 'server' | 'supervisor' | 'redis';
  pid: number;
  /** Worker slot (`1`…`N`), for workers. */
  worker?: string;
  /** RSS at the reading RSS per connection uses (connections open); null when it was not running then. */
  rssBytes: number | null;
  /** Highest RSS during the run. */
  rssPeakBytes: number;
  /** CPU during the measurement window, percent of one core; null when it did not run in it. */
  cpuPercent: number | null;
  /** Open connections the worker reported on /metrics (`switchboard_connections{worker}`) when connected; null when unknown. */
  connections: number | null;
}

export interface MachineInfo {
  cpus: number;
  cpuModel: string;
  os: string;
  node: string;
}

export interface ScenarioResult {
  scenario: string;
  /** Server kind (`switchboard`, `uws`, `ws`, `socketio`) or `target`. */
  server: string;
  /** What served, as reported by the server (uWS build for Switchboard and the uWS peer). */
  serverBuild: string;
  /** Connections open during the measurement (subscribers + probes + publishers/callers). */
  connections: number;
  params: Record<string, string | number>;
  /** Measurement window, seconds. */
  durationSec: number;
  published: number;
  /** Publications (or calls, or requests) per second offered. */
  offeredPerSec: number;
  /** Messages received by all subscribers during the window. */
  delivered: number;
  deliveredPerSec: number;
  /**
   * Deliveries the window's publications owed the subscribers (each publication × the
   * subscriptions of its topic, probes included). With `delivered`, `deliveredLate` and `lost` it
   * says where every one went. Absent in results of scenarios that do not publish on a schedule,
   * and in results written before it existed.
   */
  deliveriesDue?: number;
  /** Messages received after the window closed, while the run waited for stragglers (`--drain`). */
  deliveredLate?: number;
  /** Publish → deliver (or RPC round trip) latency on the probe connections, ms. */
  latencyMs: LatencySummary;
  /** Percentile curve of the same histogram, [percentile, ms]. */
  latencyCurve: Array<[number, number]>;
  lost: number;
  duplicated: number;
  outOfOrder: number;
  /** Peak server RSS during the run; null when the server's pid is unknown. */
  serverRssBytes: number | null;
  /** Server RSS before any generator connection. */
  serverRssBaselineBytes: number | null;
  /** (RSS with connections open − baseline) / connections. */
  rssPerConnectionBytes: number | null;
  /** Server CPU during the window, percent of one core. */
  serverCpuPercent: number | null;
  /** Generator CPU during the window, percent of one core, in total and per worker role. */
  generatorCpuPercent: { total: number; byRole: Record<string, number> };
  /**
   * Whole machine busy during the window, percent of one core (0 – cores×100). What the server and
   * generator do not account for is kernel network work (softirq) and other processes on the box.
   */
  machineCpuPercent: number | null;
  /** Server CPU µs per delivered message in the window (null without a pid). */
  serverCpuUsPerDelivery: number | null;
  /** Deliveries per second of server CPU: what one busy core would sustain at this cost (null without a pid). */
  deliveriesPerServerCoreSec: number | null;
  /** Which side ran out of CPU first, judged from the three above. */
  bottleneck: string;
  /** Clusters: workers the server ran as (`--server-workers`, `switchboard:N`). The server figures above are sums over them. */
  serverWorkers?: number;
  /** Clusters: the summed worker RSS at the reading RSS per connection uses (the per-worker `rssBytes` add up to it). */
  serverRssConnectedBytes?: number | null;
  /** Clusters: each worker, the supervisor and redis-server on their own line. */
  serverProcesses?: ServerProcessLine[];
  /** drain scenario: what the drain did to the clients. */
  drain?: DrainSummary;
  connect?: { ok: number; failed: number; latencyMs: LatencySummary; errors: string[] };
  capacity?: {
    target: number;
    maxConnections: number;
    alive: number;
    heartbeatsPublished: number;
    rssSeries: Array<{ t: number; connections: number; rssBytes: number }>;
  };
  rpc?: { sent: number; answered: number; failed: number };
  http?: { requests: number; requestsPerSec: number; non2xx: number; errors: number; latencyMs: { p50: number; p99: number; max: number } };
  errors: string[];
  /** `--repeat`: the round this run belongs to (0-based) and its place in that round's order. */
  round?: number;
  roundPosition?: number;
  machine: MachineInfo;
  startedAt: string;
}

export function machineInfo(): MachineInfo {
  let os = `Linux ${release()}`;
  try {
    const pretty = /^PRETTY_NAME="?([^"\n]+)"?/m.exec(readFileSync('/etc/os-release', 'utf8'));
    if (pretty) os = `${pretty[1]} (kernel ${release()})`;
  } catch {
    // keep the kernel release
  }
  const list = cpus();
  return { cpus: list.length, cpuModel: list[0]?.model ?? 'unknown', os, node: process.version };
}

/** Loss over all subscriptions, given what was published per topic (when known). */
export function tallyLoss(tallies: readonly TopicTally[], publishedPerTopic?: readonly number[]): { expected: number; unique: number; lost: number; duplicated: number; outOfOrder: number } {
  const byTopic = new Map<number, TopicTally>();
  for (const tally of tallies) {
    const sum = byTopic.get(tally.topic);
    if (sum === undefined) {
      byTopic.set(tally.topic, { ...tally });
      continue;
    }
    sum.subscriptions += tally.subscriptions;
    sum.unique += tally.unique;
    sum.duplicated += tally.duplicated;
    sum.outOfOrder += tally.outOfOrder;
    if (tally.firstSeq > 0 && (sum.firstSeq === 0 || tally.firstSeq < sum.firstSeq)) sum.firstSeq = tally.firstSeq;
    sum.lastSeq = Math.max(sum.lastSeq, tally.lastSeq);
  }
  let expected = 0;
  let unique = 0;
  let duplicated = 0;
  let outOfOrder = 0;
  for (const sum of byTopic.values()) {
    // What every subscriber of the topic should have seen: the span of seqs anyone saw, or what the
    // publisher sent if that is more (a tail nobody received).
    const seen = sum.firstSeq > 0 ? sum.lastSeq - sum.firstSeq + 1 : 0;
    const span = Math.max(seen, publishedPerTopic?.[sum.topic] ?? 0);
    expected += span * sum.subscriptions;
    unique += sum.unique;
    duplicated += sum.duplicated;
    outOfOrder += sum.outOfOrder;
  }
  return { expected, unique, lost: Math.max(0, expected - unique), duplicated, outOfOrder };
}

/** Names the side that ran out of CPU: one core per process is the ceiling for a Node process. */
export function judgeBottleneck(serverCpu: number | null, workerCpu: Record<string, number>, machineCpus: number, generatorTotal: number, machineBusy: number | null): string {
  const busiest = Object.entries(workerCpu).sort((a, b) => b[1] - a[1])[0];
  const serverSaturated = serverCpu !== null && serverCpu >= 90;
  const workerSaturated = busiest !== undefined && busiest[1] >= 90;
  const machineSaturated = (machineBusy ?? (serverCpu ?? 0) + generatorTotal) >= machineCpus * 100 * 0.9;
  if (serverSaturated && !workerSaturated) return `server (${serverCpu!.toFixed(0)} % of a core)`;
  if (workerSaturated && !serverSaturated) return `generator (${busiest![0]} worker at ${busiest![1].toFixed(0)} %)`;
  if (serverSaturated && workerSaturated) return `both (server ${serverCpu!.toFixed(0)} %, ${busiest![0]} ${busiest![1].toFixed(0)} %)`;
  if (machineSaturated) {
    const other = machineBusy === null ? '' : `; kernel + other processes ${Math.max(0, machineBusy - (serverCpu ?? 0) - generatorTotal).toFixed(0)} %`;
    return `machine (all ${machineCpus} cores busy, no single process saturated${other})`;
  }
  return 'none (neither side saturated)';
}
