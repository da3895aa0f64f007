/** The human-readable output of one run: its figures as aligned `name  value` lines. */
import type { ScenarioResult } from './result.js';
import { DEFAULT_P99_BOUND_MS, verdict } from './verdict.js';
import { drainLines, processGrid } from './cluster-tables.js';
import { arrivalsText } from './arrivals.js';
import { legendText, processLegend } from './legends.js';

const num = (value: number) => value.toLocaleString('en-US');
const mib = (bytes: number | null) => (bytes === null ? 'n/a' : `${(bytes / 2 ** 20).toFixed(1)} MiB`);

function rows(pairs: Array<[string, string]>): string {
  const width = Math.max(...pairs.map(([key]) => key.length));
  return pairs.map(([key, value]) => `  ${key.padEnd(width)}  ${value}`).join('\n');
}

/** A result as aligned `name  value` lines; `p99BoundMs` is the run's bound, for its verdict. */
export function formatResult(r: ScenarioResult, p99BoundMs = DEFAULT_P99_BOUND_MS): string {
  const pairs: Array<[string, string]> = [
    ['server', `${r.server} (${r.serverBuild})`],
    ['connections', num(r.connections)],
    ['window', `${r.durationSec} s`],
    ['published', `${num(r.published)} (${num(r.offeredPerSec)}/s)`],
  ];
  // Deliveries: where every one went (in the window, late, lost), for a scenario that publishes.
  if (r.scenario === 'fanout' || r.scenario === 'compare' || r.scenario === 'http-publish' || r.scenario === 'drain') pairs.push(['deliveries', arrivalsText(r)]);
  else pairs.push(['lost', num(r.lost)]);
  pairs.push([r.scenario === 'rpc' ? 'answers/s (in the window)' : 'delivered/s (in the window)', num(r.deliveredPerSec)]);
  if (r.latencyMs.count > 0) {
    const l = r.latencyMs;
    pairs.push([r.scenario === 'rpc' ? 'rpc round trip ms' : 'latency ms (probes)', `p50 ${l.p50}  p90 ${l.p90}  p99 ${l.p99}  p99.9 ${l.p999}  max ${l.max}  (n=${num(l.count)})`]);
  }
  pairs.push(['arrived twice / out of order', `${num(r.duplicated)} / ${num(r.outOfOrder)}`]);
  if (r.connect) {
    const c = r.connect.latencyMs;
    pairs.push(['connect ok / failed', `${num(r.connect.ok)} / ${num(r.connect.failed)}`]);
    pairs.push(['connect ms', `p50 ${c.p50}  p90 ${c.p90}  p99 ${c.p99}  max ${c.max}`]);
  }
  if (r.capacity) {
    pairs.push(['max connections', `${num(r.capacity.maxConnections)} of ${num(r.capacity.target)}`]);
    pairs.push(['alive after heartbeat', num(r.capacity.alive)]);
  }
  if (r.rpc) pairs.push(['rpc sent / answered / failed', `${num(r.rpc.sent)} / ${num(r.rpc.answered)} / ${num(r.rpc.failed)}`]);
  if (r.http) {
    pairs.push(['http requests', `${num(r.http.requests)} (${num(r.http.requestsPerSec)}/s), non-2xx ${num(r.http.non2xx)}, errors ${num(r.http.errors)}`]);
    pairs.push(['http latency ms', `p50 ${r.http.latencyMs.p50}  p99 ${r.http.latencyMs.p99}  max ${r.http.latencyMs.max}`]);
  }
  pairs.push([r.serverWorkers ? `server RSS peak / baseline (${r.serverWorkers} workers summed)` : 'server RSS peak / baseline', `${mib(r.serverRssBytes)} / ${mib(r.serverRssBaselineBytes)}`]);
  pairs.push(['RSS per connection', r.rssPerConnectionBytes === null ? 'n/a' : `${num(r.rssPerConnectionBytes)} B`]);
  pairs.push([r.serverWorkers ? 'server CPU (workers summed)' : 'server CPU', r.serverCpuPercent === null ? 'n/a' : `${r.serverCpuPercent} % of a core`]);
  pairs.push(['server CPU per delivery', r.serverCpuUsPerDelivery == null ? 'n/a' : `${r.serverCpuUsPerDelivery} µs (${num(r.deliveriesPerServerCoreSec ?? 0)} deliveries per core-second)`]);
  const roles = Object.entries(r.generatorCpuPercent.byRole).map(([role, value]) => `${role} ${value}`).join(', ');
  pairs.push(['generator CPU', `${r.generatorCpuPercent.total} % total (${roles})`]);
  pairs.push(['machine CPU', r.machineCpuPercent === null ? 'n/a' : `${r.machineCpuPercent} % of ${r.machine.cpus * 100} (all processes and the kernel)`]);
  pairs.push(['what ran out first', r.bottleneck]);
  if (r.scenario === 'fanout' || r.scenario === 'compare') pairs.push(['verdict', verdict(r, p99BoundMs)]);
  if (r.drain) pairs.push(...drainLines(r.drain));
  for (const error of r.errors) pairs.push(['note', error]);
  const processes = r.serverProcesses && r.serverProcesses.length > 0 ? `\n${processGrid(r)}${legendText(processLegend())}` : '';
  return `${r.scenario} — ${r.server}\n${rows(pairs)}\n${processes}`;
}
