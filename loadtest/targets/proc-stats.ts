/**
 * Resource use of another process from /proc: resident memory from /proc/<pid>/status and CPU time
 * from /proc/<pid>/stat; for a cluster, every worker summed plus its supervisor and Redis on their
 * own lines, found through /proc/<pid>/task/<tid>/children. Linux only; elsewhere the harness
 * reports resources as unknown.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** One reading. */
export interface ProcReading {
  rssBytes: number;
  /** user + system CPU time, seconds. */
  cpuSeconds: number;
}

let ticksPerSecond: number | undefined;

function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** Reads a process's RSS and CPU time; undefined when it is gone or /proc is missing. */
export function readProc(pid: number): ProcReading | undefined {
  try {
    return parseProc(readFileSync(`/proc/${pid}/status`, 'utf8'), readFileSync(`/proc/${pid}/stat`, 'utf8'), clockTicks());
  } catch {
    return undefined;
  }
}

/** A reading from the text of /proc/<pid>/status and /proc/<pid>/stat, CPU ticks at `ticksPerSec`. */
export function parseProc(status: string, stat: string, ticksPerSec: number): ProcReading {
  const rss = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  // Fields after the parenthesised command name (which may contain spaces); utime and stime are
  // fields 14 and 15 of the whole line, i.e. 12 and 13 after it.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return { rssBytes: rss ? Number(rss[1]) * 1024 : 0, cpuSeconds: ticks / ticksPerSec };
}

/** One process of the server under test, as the sampler should read and label it. */
export interface ProcessRef {
  pid: number;
  /**
   * `server`: a process that serves clients (the server itself, or a worker of a cluster); their
   * readings are summed into the server's. `supervisor` and `redis` are reported on their own lines.
   */
  role: 'server' | 'supervisor' | 'redis';
  /** Label for reports: `worker 2`, `supervisor`, `redis-server`. */
  name: string;
  /** The worker's slot (`1`…`N`) for a cluster worker: matches the `worker` label of /metrics. */
  worker?: string;
}

/** One process's reading within a sample. */
export interface ProcessReading extends ProcReading, ProcessRef {}

/** A reading taken during a run, with the generator's view of open connections at that moment. */
export interface Sample extends ProcReading {
  /** Seconds since the sampler started. */
  t: number;
  connections: number;
  /** Every process read (clusters only): the sums above are over the `server` ones. */
  processes?: ProcessReading[];
}

/** What to sample: one pid, or a set of processes that may change between readings (a cluster). */
export type SampleSource = number | (() => ProcessRef[]);

/** Samples a process (or a cluster of them) every `intervalMs` until stopped. */
export class ProcSampler {
  readonly samples: Sample[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly startedAt = Date.now();
  // Last CPU reading of every server process ever seen, so the summed CPU never goes down when a
  // worker exits (drain, restart) and its /proc entry, with its CPU time, disappears.
  private readonly lastCpu = new Map<number, number>();

  constructor(
    readonly source: SampleSource,
    private readonly connections: () => number,
    intervalMs = 250,
    /** Called with each reading, e.g. to stop a run whose server eats all memory. */
    private readonly onSample?: (sample: Sample) => void,
  ) {
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
  }

  /** Takes a reading now (also records it). */
  sample(): Sample | undefined {
    const reading = typeof this.source === 'number' ? readProc(this.source) : this.readCluster(this.source());
    if (reading === undefined) return undefined;
    const sample = { ...reading, t: (Date.now() - this.startedAt) / 1000, connections: this.connections() };
    this.samples.push(sample);
    this.onSample?.(sample);
    return sample;
  }

  private readCluster(refs: readonly ProcessRef[]): (ProcReading & { processes: ProcessReading[] }) | undefined {
    const processes: ProcessReading[] = [];
    for (const ref of refs) {
      const reading = readProc(ref.pid);
      if (reading !== undefined) processes.push({ ...ref, ...reading });
    }
    const servers = processes.filter((p) => p.role === 'server');
    if (servers.length === 0) return undefined;
    for (const p of servers) this.lastCpu.set(p.pid, p.cpuSeconds);
    let cpuSeconds = 0;
    for (const cpu of this.lastCpu.values()) cpuSeconds += cpu;
    return { rssBytes: servers.reduce((sum, p) => sum + p.rssBytes, 0), cpuSeconds, processes };
  }

  get peakRssBytes(): number {
    return this.samples.reduce((peak, sample) => Math.max(peak, sample.rssBytes), 0);
  }

  /** Highest RSS each process reached, by pid (clusters only). */
  peakRssByPid(): Map<number, number> {
    const peaks = new Map<number, number>();
    for (const sample of this.samples) for (const p of sample.processes ?? []) peaks.set(p.pid, Math.max(peaks.get(p.pid) ?? 0, p.rssBytes));
    return peaks;
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}

/** Pids of a process's children, from /proc/<pid>/task/<tid>/children (empty when gone). */
export function childPids(pid: number): number[] {
  const pids: number[] = [];
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        for (const child of readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim().split(/\s+/)) if (child !== '') pids.push(Number(child));
      } catch {
        // the thread ended between the listing and the read
      }
    }
  } catch {
    // the process is gone
  }
  return pids;
}

/** One variable of a process's environment (our own children only), or undefined. */
export function environOf(pid: number, name: string): string | undefined {
  try {
    const entry = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').find((line) => line.startsWith(`${name}=`));
    return entry?.slice(name.length + 1);
  } catch {
    return undefined;
  }
}

/** Whole-machine CPU counters from /proc/stat, in clock ticks summed over all cores. */
export interface MachineCpu {
  busy: number;
  total: number;
}

export function readMachineCpu(): MachineCpu | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
    // cpu  user nice system idle iowait irq softirq steal …
    const fields = line.trim().split(/\s+/).slice(1, 9).map(Number);
    const total = fields.reduce((sum, value) => sum + value, 0);
    const idle = fields[3]! + fields[4]!;
    return { busy: total - idle, total };
  } catch {
    return undefined;
  }
}

/** Busy share of the whole machine between two readings, in percent of one core (2 cores → 0–200). */
export function machineBusyPercent(before: MachineCpu | undefined, after: MachineCpu | undefined, cores: number): number | null {
  if (before === undefined || after === undefined || after.total === before.total) return null;
  return ((after.busy - before.busy) / (after.total - before.total)) * cores * 100;
}
