/**
 * Times every timer callback (setInterval, setTimeout, setImmediate) the process runs, grouped by
 * where the timer was created (file:line). Installed before the server is created, it shows each
 * piece of periodic work on the event loop (slow-consumer check, history sweeper, coalescer
 * flushes, ...) with how often it ran and how long one run blocked the loop, without changing the
 * server's code. Durations come from performance.now() around the callback: on a busy machine they
 * are upper bounds, but a run that is O(all sockets) still shows as growing with the socket count.
 */
import { performance } from 'node:perf_hooks';

/** One timer site's runs. */
export interface TimerSite {
  /** Where the timer was created, relative to the working directory. */
  site: string;
  runs: number;
  totalMs: number;
  maxMs: number;
  /** 99th percentile of one run, ms. */
  p99Ms: number;
}

const MAX_SAMPLES = 100_000;

interface Samples {
  runs: number;
  totalMs: number;
  maxMs: number;
  durations: number[];
}

const sites = new Map<string, Samples>();
let recording = false;

function frameOf(line: string): string {
  const match = /\(?((?:file:\/\/)?[^()\s]+):(\d+):\d+\)?$/.exec(line.trim());
  if (match === null) return line.trim();
  const file = match[1]!.replace('file://', '').replace(`${process.cwd()}/`, '');
  return `${file}:${match[2]}`;
}

// Timer helpers whose own line says nothing: their caller names the work.
const GENERIC = /paced-scan\.ts:/;

function siteOf(stack: string | undefined): string {
  // Frame 0 is "Error", 1 is the wrapper below, 2 the caller of setInterval/setTimeout.
  const lines = stack?.split('\n') ?? [];
  const site = frameOf(lines[2] ?? '');
  return GENERIC.test(site) ? `${site} <- ${frameOf(lines[3] ?? '')}` : site;
}

function timed<A extends unknown[]>(site: string, callback: (...args: A) => void): (...args: A) => void {
  return (...args: A) => {
    if (!recording) return callback(...args);
    const started = performance.now();
    try {
      callback(...args);
    } finally {
      const ms = performance.now() - started;
      let samples = sites.get(site);
      if (samples === undefined) sites.set(site, (samples = { runs: 0, totalMs: 0, maxMs: 0, durations: [] }));
      samples.runs++;
      samples.totalMs += ms;
      if (ms > samples.maxMs) samples.maxMs = ms;
      if (samples.durations.length < MAX_SAMPLES) samples.durations.push(ms);
    }
  };
}

/** Wraps the global timer functions; call before the code under test creates its timers. */
export function installTimerProbe(): void {
  const g = globalThis as unknown as Record<'setInterval' | 'setTimeout' | 'setImmediate', (callback: (...args: unknown[]) => void, ...rest: unknown[]) => unknown>;
  for (const name of ['setInterval', 'setTimeout', 'setImmediate'] as const) {
    const original = g[name];
    g[name] = function (this: unknown, callback: (...args: unknown[]) => void, ...rest: unknown[]) {
      if (typeof callback !== 'function') return original.call(this, callback, ...rest);
      return original.call(this, timed(siteOf(new Error().stack), callback), ...rest);
    };
  }
}

/** Starts recording (forgets earlier runs). */
export function startTimerProbe(): void {
  sites.clear();
  recording = true;
}

/** Stops recording and returns every site that ran, slowest single run first. */
export function stopTimerProbe(): TimerSite[] {
  recording = false;
  const out: TimerSite[] = [];
  for (const [site, samples] of sites) {
    const sorted = samples.durations.sort((a, b) => a - b);
    const p99Ms = sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))] ?? 0;
    out.push({ site, runs: samples.runs, totalMs: samples.totalMs, maxMs: samples.maxMs, p99Ms });
  }
  return out.sort((a, b) => b.maxMs - a.maxMs);
}
