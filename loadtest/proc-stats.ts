/**
 * Resource use of another process from /proc: resident memory from /proc/<pid>/status and CPU time
 * from /proc/<pid>/stat. Linux only; elsewhere the harness reports resources as unknown.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

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

/** A reading taken during a run, with the generator's view of open connections at that moment. */
export interface Sample extends ProcReading {
  /** Seconds since the sampler started. */
  t: number;
  connections: number;
}

/** Samples a process every `intervalMs` until stopped. */
export class ProcSampler {
  readonly samples: Sample[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly startedAt = Date.now();

  constructor(
    readonly pid: number,
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
    const reading = readProc(this.pid);
    if (reading === undefined) return undefined;
    const sample = { ...reading, t: (Date.now() - this.startedAt) / 1000, connections: this.connections() };
    this.samples.push(sample);
    this.onSample?.(sample);
    return sample;
  }

  get peakRssBytes(): number {
    return this.samples.reduce((peak, sample) => Math.max(peak, sample.rssBytes), 0);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
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
