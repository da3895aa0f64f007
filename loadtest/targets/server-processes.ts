/**
 * A cluster's per-process lines for the result: each worker (whose figures the server totals sum),
 * the supervisor and redis-server, from the sampler's readings. A worker replaced during the run
 * (drain, crash) keeps its own line under its old pid.
 */
import type { ProcessReading, Sample } from './proc-stats.js';
import type { ServerProcessLine } from '../report/result.js';

const ROLE_ORDER = { server: 0, supervisor: 1, redis: 2 } as const;

export interface ProcessWindow {
  /** Every sample of the run, in order (for peaks and the last reading of a process that exited). */
  samples: readonly Sample[];
  /** Readings at the edges of the measurement window. */
  before: Sample | undefined;
  after: Sample | undefined;
  wallSec: number;
  /** The reading the result's RSS per connection uses. */
  connected: Sample | undefined;
  /** Open connections by worker slot from /metrics, when scraped. */
  connections: Record<string, number> | undefined;
}

/** The lines, workers first by slot, then supervisor and redis-server; undefined for a single process. */
export function serverProcessLines(w: ProcessWindow): ServerProcessLine[] | undefined {
  const byPid = new Map<number, ProcessReading>();
  const peaks = new Map<number, number>();
  for (const sample of w.samples) {
    for (const p of sample.processes ?? []) {
      byPid.set(p.pid, p);
      peaks.set(p.pid, Math.max(peaks.get(p.pid) ?? 0, p.rssBytes));
    }
  }
  if (byPid.size === 0) return undefined;
  const at = (sample: Sample | undefined, pid: number) => sample?.processes?.find((p) => p.pid === pid);
  const beforeIndex = w.before === undefined ? -1 : w.samples.indexOf(w.before);
  const afterIndex = w.after === undefined ? -1 : w.samples.indexOf(w.after);
  const lines = [...byPid.values()].map((p): ServerProcessLine => {
    // CPU in the window: from its reading at the window's start (0 if it started inside the window)
    // to its reading at the end (its last one if it exited inside the window).
    let cpuPercent: number | null = null;
    if (beforeIndex >= 0 && afterIndex >= beforeIndex && w.wallSec > 0) {
      let first = -1;
      let last = -1;
      for (let i = 0; i <= afterIndex; i++) {
        if (at(w.samples[i], p.pid) === undefined) continue;
        if (first < 0) first = i;
        last = i;
      }
      if (last >= beforeIndex) {
        const startCpu = first < beforeIndex ? (at(w.before, p.pid)?.cpuSeconds ?? 0) : 0;
        cpuPercent = Math.round(((at(w.samples[last], p.pid)!.cpuSeconds - startCpu) / w.wallSec) * 1000) / 10;
      }
    }
    const connected = at(w.connected, p.pid);
    const last = w.samples[w.samples.length - 1];
    return {
      // A worker replaced during the run (drain, crash) is named as such next to its successor.
      name: at(last, p.pid) === undefined ? `${p.name} (exited)` : p.name,
      role: p.role,
      pid: p.pid,
      ...(p.worker !== undefined ? { worker: p.worker } : {}),
      rssBytes: connected?.rssBytes ?? null,
      rssPeakBytes: peaks.get(p.pid) ?? 0,
      cpuPercent,
      connections: p.role === 'server' && connected !== undefined && p.worker !== undefined ? (w.connections?.[p.worker] ?? null) : null,
    };
  });
  return lines.sort((a, b) => ROLE_ORDER[a.role] - ROLE_ORDER[b.role] || Number(a.worker ?? 0) - Number(b.worker ?? 0) || a.pid - b.pid);
}
