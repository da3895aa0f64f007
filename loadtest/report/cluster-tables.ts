/** Text for clusters: one line per server process (workers, supervisor, Redis), and the drain scenario's findings. */
import type { DrainSummary } from './drain-summary.js';
import type { ScenarioResult, ServerProcessLine } from './result.js';
import { textGrid } from './text-grid.js';

const mib = (bytes: number | null) => (bytes === null ? 'n/a' : (bytes / 2 ** 20).toFixed(1));
const num = (value: number) => value.toLocaleString('en-US');

/** The cells of one process line (also the HTML table's). */
export function processCells(p: ServerProcessLine): string[] {
  return [p.name, String(p.pid), mib(p.rssBytes), mib(p.rssPeakBytes), p.cpuPercent === null ? 'n/a' : p.cpuPercent.toFixed(1), p.connections === null ? '' : num(p.connections)];
}

export const PROCESS_HEADER = ['process', 'pid', 'RSS MiB (connected)', 'RSS MiB peak', 'CPU % (window)', 'connections'];

/**
 * The workers' totals: RSS and connections at the connected reading, CPU over the window. A worker
 * replaced during the run has its own line; the ones not running at a reading add nothing to it.
 */
export function workerTotals(processes: readonly ServerProcessLine[]): { workers: number; rssBytes: number | null; cpuPercent: number | null; connections: number | null } {
  const workers = processes.filter((p) => p.role === 'server');
  const total = (values: Array<number | null>) => (values.every((v) => v === null) ? null : values.reduce<number>((a, b) => a + (b ?? 0), 0));
  return { workers: workers.length, rssBytes: total(workers.map((p) => p.rssBytes)), cpuPercent: total(workers.map((p) => p.cpuPercent)), connections: total(workers.map((p) => p.connections)) };
}

/** The total line's cells. */
export function totalCells(processes: readonly ServerProcessLine[]): string[] {
  const t = workerTotals(processes);
  return [`workers (${t.workers})`, '', mib(t.rssBytes), '', t.cpuPercent === null ? 'n/a' : t.cpuPercent.toFixed(1), t.connections === null ? '' : num(t.connections)];
}

/** Every process of the cluster, then the workers' total (what the server figures are). */
export function processGrid(r: ScenarioResult): string {
  const processes = r.serverProcesses ?? [];
  return textGrid(PROCESS_HEADER, [...processes.map(processCells), totalCells(processes)]);
}

/** The drain scenario's findings as `name  value` pairs for the result table. */
export function drainLines(d: DrainSummary): Array<[string, string]> {
  const pairs: Array<[string, string]> = [['drain', `${d.trigger}, drainMs ${num(d.drainMs)}`]];
  for (const w of d.drains) {
    const exit = w.untilExitMs === null ? 'exit not seen' : `exited ${num(w.untilExitMs)} ms after its first close`;
    pairs.push([`  worker ${w.worker}${w.pid === null ? '' : ` (pid ${w.pid})`}`, `${num(w.clients)} clients closed over ${num(w.durationMs)} ms (first close ${num(w.firstCloseMs)} ms after the signal); ${exit}`]);
  }
  const codes = Object.entries(d.closeCodes).map(([code, count]) => `${code} × ${num(count)}`).join(', ') || 'none';
  pairs.push(['clients affected / disconnects', `${num(d.clientsAffected)} / ${num(d.disconnects)}`]);
  pairs.push(['close codes', `${codes}${Object.keys(d.unexpectedCloseCodes).length > 0 ? '  (anything but 1012 is a finding)' : ''}`]);
  const l = d.resubscribeMs;
  pairs.push(['close → resubscribed ms', `p50 ${l.p50}  p90 ${l.p90}  p99 ${l.p99}  max ${l.max}  (n=${num(l.count)})`]);
  pairs.push(['resubscribed / not recovered / still down', `${num(d.resubscribed)} / ${num(d.notRecovered)} / ${num(d.down)}`]);
  pairs.push(['clients with a gap', num(d.clientsWithGap)]);
  pairs.push(['publications acked / unacked', `${num(d.published.acked)} / ${num(d.published.unacked)}`]);
  pairs.push(['every client recovered', d.everyClientRecovered ? 'yes: only 1012, all resubscribed with recovered: true, no gap, nothing lost' : 'NO (see the lines above)']);
  return pairs;
}
