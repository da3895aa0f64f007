/**
 * The generator as a whole, seen from the coordinator: bulk subscriber processes, one probe
 * process, one publisher (or RPC caller) process; connect them all, open a measurement window,
 * drain, collect reports. Scenarios are written in terms of this.
 */
import { mergeHistograms, summarise, type LatencySummary } from './histogram.js';
import type { ConnectResult, Snapshot, WorkerPlan, WorkerReport, WorkerRole } from './ipc.js';
import { connectionsPerProcess, sourceAddresses, WorkerHandle } from './pool.js';
import { cpus } from 'node:os';
import { machineBusyPercent, readMachineCpu, type ProcSampler, type Sample } from '../targets/proc-stats.js';
import type { ServerUnderTest } from '../targets/server-under-test.js';
import type { PublicationShape } from '../dialects/probe-text.js';

export interface GeneratorSpec {
  server: ServerUnderTest;
  /** Bulk subscribers (count only). */
  subscribers: number;
  /** Latency probes (subscribers that record latency), in their own process. */
  probes: number;
  /** Publisher connections, in their own process. */
  publishers: number;
  /** RPC caller connections, in their own process. */
  rpcCallers: number;
  topics: number;
  topicsPerConnection: number;
  /** Minimum bulk subscriber processes. */
  workers: number;
  /** New connections per second, all bulk workers together. */
  connectRate: number;
  /** Workers exit by themselves after this long. */
  lifetimeMs: number;
  /** At least this many source addresses. */
  sourceAddresses: number;
  /** What the publishers send (publication-shape.ts). @default 'bin' */
  publication?: PublicationShape;
  /** Reconnect and recover after the server closes a connection, like the SDK (drain scenario). @default false */
  reconnect?: boolean;
}

export interface ConnectSummary {
  ok: number;
  failed: number;
  latencyMs: LatencySummary;
  errors: string[];
}

/** A measurement window: what happened between mark and snapshot. */
export interface Window {
  wallSec: number;
  received: number;
  serverCpuPercent: number | null;
  generatorCpuPercent: { total: number; byRole: Record<string, number> };
  /** Whole machine busy, percent of one core (includes kernel network work and other tenants). */
  machineCpuPercent: number | null;
  /** The server's /proc readings at the window's edges (undefined without a pid). */
  serverBefore: Sample | undefined;
  serverAfter: Sample | undefined;
}

export class Generator {
  private constructor(readonly workers: WorkerHandle[]) {}

  /** Forks every worker process the spec needs (without connecting). */
  static async start(spec: GeneratorSpec): Promise<Generator> {
    const perProcess = connectionsPerProcess();
    const bulkProcesses = spec.subscribers === 0 ? 0 : Math.max(spec.workers, Math.ceil(spec.subscribers / perProcess));
    const total = spec.subscribers + spec.probes + spec.publishers + spec.rpcCallers;
    const addresses = sourceAddresses(total, spec.sourceAddresses);
    const base = {
      dialect: spec.server.dialect,
      host: spec.server.host,
      port: spec.server.port,
      topicCount: spec.topics,
      sourceAddresses: addresses,
      lifetimeMs: spec.lifetimeMs,
      publication: spec.publication ?? 'bin',
      reconnect: spec.reconnect === true,
    };
    const plans: WorkerPlan[] = [];
    let firstIndex = 0;
    for (let w = 0; w < bulkProcesses; w++) {
      const connections = Math.floor(spec.subscribers / bulkProcesses) + (w < spec.subscribers % bulkProcesses ? 1 : 0);
      plans.push({ ...base, role: 'subscribers', connections, firstIndex, topicsPerConnection: spec.topicsPerConnection, connectRate: Math.max(1, spec.connectRate / bulkProcesses) });
      firstIndex += connections;
    }
    if (spec.probes > 0) plans.push({ ...base, role: 'probes', connections: spec.probes, firstIndex: 0, topicsPerConnection: spec.topicsPerConnection, connectRate: 1000 });
    if (spec.publishers > 0) plans.push({ ...base, role: 'publishers', connections: spec.publishers, firstIndex: 0, topicsPerConnection: 0, connectRate: 1000 });
    if (spec.rpcCallers > 0) plans.push({ ...base, role: 'rpc', connections: spec.rpcCallers, firstIndex: 0, topicsPerConnection: 0, connectRate: 1000 });
    for (const plan of plans) {
      if (plan.connections > perProcess) throw new Error(`${plan.role}: ${plan.connections} connections exceed ${perProcess} per process (ulimit -n)`);
    }
    return new Generator(await Promise.all(plans.map((plan) => WorkerHandle.start(plan))));
  }

  role(role: WorkerRole): WorkerHandle | undefined {
    return this.workers.find((worker) => worker.plan.role === role);
  }

  /** Connections open right now, from the workers' progress notes. */
  openConnections(): number {
    return this.workers.reduce((sum, worker) => sum + worker.progress.open, 0);
  }

  /** Opens every connection (ramping at the spec's rate) and waits until each is subscribed or failed. */
  async connect(): Promise<ConnectSummary> {
    const results = await Promise.all(this.workers.map((worker) => worker.request<ConnectResult>({ type: 'connect' })));
    const bulk = results.filter((_, i) => this.workers[i]!.plan.role === 'subscribers');
    const errors = [...new Set(results.flatMap((result) => result.errors))].slice(0, 10);
    return {
      ok: results.reduce((sum, result) => sum + result.open, 0),
      failed: results.reduce((sum, result) => sum + result.failed, 0),
      // Connect-time percentiles of bulk subscribers when there are any (they ramp), else of all.
      latencyMs: summarise(mergeHistograms((bulk.length > 0 ? bulk : results).map((result) => result.connectHistogram))),
      errors,
    };
  }

  /**
   * Runs `body` inside a measurement window: counters and CPU baselines reset before, read after.
   * The server's CPU comes from the sampler, when there is one.
   */
  async window<T>(sampler: ProcSampler | undefined, body: () => Promise<T>): Promise<{ value: T; window: Window }> {
    await Promise.all(this.workers.map((worker) => worker.request({ type: 'mark' })));
    const serverBefore = sampler?.sample();
    const machineBefore = readMachineCpu();
    const coordinatorBefore = process.cpuUsage();
    const started = process.hrtime.bigint();
    const value = await body();
    const snapshots = await Promise.all(this.workers.map((worker) => worker.request<Snapshot>({ type: 'snapshot' })));
    const wallSec = Number(process.hrtime.bigint() - started) / 1e9;
    const serverAfter = sampler?.sample();
    const machineAfter = readMachineCpu();
    const coordinator = process.cpuUsage(coordinatorBefore);
    const byRole: Record<string, number> = { coordinator: ((coordinator.user + coordinator.system) / 1e6 / wallSec) * 100 };
    snapshots.forEach((snapshot, i) => {
      const role = this.workers[i]!.plan.role;
      const percent = (snapshot.cpuUs / snapshot.wallUs) * 100;
      // Several bulk processes: report the busiest, since one saturated process is what limits.
      byRole[role] = Math.max(byRole[role] ?? 0, percent);
    });
    const total = snapshots.reduce((sum, snapshot) => sum + (snapshot.cpuUs / snapshot.wallUs) * 100, byRole.coordinator!);
    const serverCpuPercent = serverBefore && serverAfter ? ((serverAfter.cpuSeconds - serverBefore.cpuSeconds) / wallSec) * 100 : null;
    return {
      value,
      window: {
        wallSec,
        received: snapshots.reduce((sum, snapshot) => sum + snapshot.received, 0),
        serverCpuPercent,
        generatorCpuPercent: { total, byRole },
        machineCpuPercent: machineBusyPercent(machineBefore, machineAfter, cpus().length),
        serverBefore,
        serverAfter,
      },
    };
  }

  /** Sums the workers' window snapshots. */
  async snapshot(): Promise<{ received: number; alive: number; open: number }> {
    const snapshots = await Promise.all(this.workers.map((worker) => worker.request<Snapshot>({ type: 'snapshot' })));
    return {
      received: snapshots.reduce((sum, s) => sum + s.received, 0),
      alive: snapshots.reduce((sum, s) => sum + s.alive, 0),
      open: snapshots.reduce((sum, s) => sum + s.open, 0),
    };
  }

  /**
   * Waits for messages still in flight: until `expected` have arrived since the last mark, or the
   * count stops moving for a second, or `maxSec` passes.
   */
  async drain(expected: number, maxSec: number): Promise<void> {
    const deadline = Date.now() + maxSec * 1000;
    let last = -1;
    let stableSince = Date.now();
    while (Date.now() < deadline) {
      const { received } = await this.snapshot();
      if (received >= expected) return;
      if (received !== last) {
        last = received;
        stableSince = Date.now();
      } else if (Date.now() - stableSince >= 1000) return;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  async reports(): Promise<WorkerReport[]> {
    return Promise.all(this.workers.map((worker) => worker.request<WorkerReport>({ type: 'report' })));
  }

  /** Latency merged over the reports of the given roles. */
  static latency(reports: readonly WorkerReport[], roles: readonly WorkerRole[]) {
    return mergeHistograms(reports.filter((report) => roles.includes(report.role)).map((report) => report.latencyHistogram));
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.close()));
  }
}
