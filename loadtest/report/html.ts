/**
 * `--html <file>`: one self-contained page (inline CSS and SVG, no scripts, nothing fetched) that a
 * first-time reader reads top-down: the one-line conclusion, the verdict per server with its ratios
 * against the baseline and a legend (and a banner when results sit on the knee), latency
 * percentiles on a log scale, delivered/s, CPU per delivery and RSS per connection as bars with
 * their spread over rounds, find-max's found rates, then the text output, and the raw JSON
 * collapsed at the end.
 */
import type { LoadReport } from './load-report.js';
import { DEFAULT_P99_BOUND_MS } from './verdict.js';
import { formatTables } from './text-report.js';
import { conclusion, conclusionTone } from './conclusion.js';
import { repeatSummaryOf, type RepeatSummary } from './rounds.js';
import { formatSpread } from './summary-tables.js';
import { glossaryFor, processLegend, verdictLegend, type Legend } from './legends.js';
import { lineChart, escapeXml } from './svg-chart.js';
import { barChart, type Bar } from './svg-bars.js';
import { serverViews, type ServerView } from './server-views.js';
import { probeChart } from './svg-probes.js';
import type { Spread } from './stats.js';
import type { ScenarioResult } from './result.js';
import { drainLines, PROCESS_HEADER, processCells, totalCells } from './cluster-tables.js';

// Percentiles on a "nines" axis: 90 → 1, 99 → 2, 99.9 → 3 … so the tail gets the room it deserves.
const nines = (p: number) => -Math.log10(Math.max(1e-5, 1 - Math.min(p, 99.999) / 100));
const NINES_TICKS: Array<[number, string]> = [[0, '0'], [50, '50'], [90, '90'], [99, '99'], [99.9, '99.9'], [99.99, '99.99']];

const STYLE = `body{font-family:sans-serif;max-width:1000px;margin:2em auto;color:#222;line-height:1.4}
pre{background:#f6f6f6;padding:1em;overflow:auto;font-size:12px}
table.verdicts{border-collapse:collapse;margin:1em 0}table.verdicts td,table.verdicts th{border-bottom:1px solid #ddd;padding:4px 10px;text-align:right}
table.verdicts td:first-child,table.verdicts th:first-child,table.verdicts td.verdict,table.verdicts th.verdict{text-align:left}
table.processes,table.drain{border-collapse:collapse;margin:1em 0}table.processes td,table.processes th,table.drain td,table.drain th{border-bottom:1px solid #ddd;padding:4px 10px;text-align:right}
table.processes td:first-child,table.processes th:first-child,table.drain td,table.drain th{text-align:left}tr.total td{font-weight:bold}
.kept{color:#1a7f37}.behind{color:#b42318}.knee{background:#fff4e5;border-left:4px solid #f79009;padding:.6em 1em}
.chart{display:block;margin:1.2em 0}summary{cursor:pointer;font-weight:bold}
p.conclusion{font-size:1.2em;padding:.6em 1em;border-left:4px solid #888;background:#f6f6f6}p.conclusion.kept{border-color:#1a7f37}p.conclusion.behind{border-color:#b42318}p.conclusion.knee{border-color:#f79009}
dl.legend{display:grid;grid-template-columns:max-content auto;gap:2px 12px;font-size:13px;color:#444;margin:.5em 0 1.5em}dl.legend dt{font-weight:bold}dl.legend dd{margin:0}`;

const bar = (label: string, s: Spread | null, format: (value: number) => string): Bar =>
  s === null ? { label, value: null } : { label, value: s.median, low: s.min, high: s.max, text: s.n > 1 && s.min !== s.max ? `${format(s.median)} (${format(s.min)}–${format(s.max)})` : format(s.median) };
const int = (value: number) => Math.round(value).toLocaleString('en-US');

/** A legend under a table: each column and what it means. */
function legendHtml(legend: Legend): string {
  if (legend.length === 0) return '';
  return `<dl class="legend">${legend.map(([column, meaning]) => `<dt>${escapeXml(column)}</dt><dd>${escapeXml(meaning)}</dd>`).join('')}</dl>`;
}

const ratioCell = (s: Spread | null | undefined) => `<td>${s ? escapeXml(formatSpread(s, (v) => `${v.toFixed(2)}x`)) : ''}</td>`;

function verdictTable(views: ServerView[], summary: RepeatSummary | undefined, p99BoundMs: number): string {
  const base = summary !== undefined && summary.servers.length > 1 ? summary.baseline : null;
  const rows = views.map((v) => {
    const kept = v.verdict.startsWith('kept up');
    const ratios = summary?.servers.find((s) => s.server === v.server)?.ratios;
    const name = v.server === base ? `${v.server} (baseline)` : v.server;
    const p99 = `<td>${v.p99Ms ? Number(v.p99Ms.median.toPrecision(4)).toLocaleString('en-US') : 'n/a'}</td>${base === null ? '' : ratioCell(ratios?.p99Ms)}`;
    const cpu = `<td>${v.cpuUsPerDelivery ? v.cpuUsPerDelivery.median.toFixed(2) : 'n/a'}</td>${base === null ? '' : ratioCell(ratios?.serverCpuUsPerDelivery)}`;
    return `<tr><td>${escapeXml(name)}</td><td class="verdict ${kept ? 'kept' : 'behind'}">${escapeXml(v.verdict)}</td><td>${v.keptUp}</td><td>${v.deliveredPerSec ? int(v.deliveredPerSec.median) : 'n/a'}</td>${p99}${cpu}<td style="text-align:left;font-size:11px">${escapeXml(v.build)}</td></tr>`;
  });
  const vs = base === null ? '' : `<th>vs ${escapeXml(base)}</th>`;
  const builds = views.map((v) => v.build).join(' ');
  return `<table class="verdicts"><tr><th>server</th><th class="verdict">verdict</th><th>kept up</th><th>delivered/s</th><th>p99 ms</th>${vs}<th>CPU µs/delivery</th>${vs}<th>build</th></tr>\n${rows.join('\n')}</table>\n${legendHtml([...verdictLegend(base, p99BoundMs), ...glossaryFor(builds)])}`;
}

function throughputSections(views: ServerView[]): string[] {
  const spreadNote = views.some((v) => v.rounds > 1) ? 'bar: median over rounds; whisker: min–max' : undefined;
  return [
    barChart({ title: 'Delivered per second', unit: 'messages/s, all subscribers', note: spreadNote, bars: views.map((v) => bar(v.server, v.deliveredPerSec, int)) }),
    barChart({ title: 'Server CPU per delivered message', unit: 'µs, lower is better', note: spreadNote, bars: views.map((v) => bar(v.server, v.cpuUsPerDelivery, (x) => `${x.toFixed(2)} µs`)) }),
    barChart({ title: 'RSS per connection', unit: 'bytes above the idle server; n/a below 1,000 connections', bars: views.map((v) => bar(v.server, v.rssPerConnectionBytes, (x) => `${int(x)} B`)) }),
  ];
}

/** A cluster run: each worker, the supervisor and Redis, with the workers' total (what the server figures sum). */
function processSection(r: ScenarioResult): string[] {
  const processes = r.serverProcesses;
  if (processes === undefined || processes.length === 0) return [];
  const total = totalCells(processes);
  const row = (cells: string[], cls = '') => `<tr${cls ? ` class="${cls}"` : ''}>${cells.map((cell) => `<td>${escapeXml(cell)}</td>`).join('')}</tr>`;
  const round = r.round === undefined ? '' : `, round ${r.round + 1}`;
  return [
    `<h2>Server processes (${escapeXml(r.server)}${round})</h2><p>The server's RSS and CPU are the workers' sums; RSS per connection uses the summed RSS. Connections as each worker reported them on /metrics.</p>`,
    `<table class="processes"><tr>${PROCESS_HEADER.map((h) => `<th>${escapeXml(h)}</th>`).join('')}</tr>\n${processes.map((p) => row(processCells(p))).join('\n')}\n${row(total, 'total')}</table>`,
    legendHtml(processLegend()),
  ];
}

function drainSection(r: ScenarioResult): string[] {
  if (r.drain === undefined) return [];
  const ok = r.drain.everyClientRecovered;
  return [
    `<h2>Drain (${escapeXml(r.server)})</h2><p class="${ok ? 'kept' : 'behind'}">${ok ? 'Every client recovered: only 1012 closes, every one resubscribed with recovered: true, no gap, nothing lost.' : 'Not every client recovered cleanly: see the table.'}</p>`,
    `<table class="drain">${drainLines(r.drain).map(([key, value]) => `<tr><th>${escapeXml(key.trim())}</th><td>${escapeXml(value)}</td></tr>`).join('\n')}</table>`,
  ];
}

function findMaxSections(report: LoadReport): string[] {
  const findMax = report.findMax;
  if (findMax === undefined) return [];
  const bars = findMax.servers.map((s) => bar(s.server, s.foundDeliveriesPerSec, int));
  const knees = findMax.servers.filter((s) => s.knee !== null).map((s) => `${s.server}: ${s.knee}`);
  return [
    `<h2>Highest sustained rate (find-max)</h2><p>No loss, p99 ≤ ${findMax.p99BoundMs} ms, publisher on schedule; ${findMax.probeDurationSec} s probes; ${findMax.servers[0]?.searches.length ?? 0} searches per server.</p>`,
    ...(knees.length > 0 ? [`<p class="knee">The knee is a band, not a line: ${escapeXml(knees.join('; '))}</p>`] : []),
    barChart({ title: 'Highest sustained deliveries per second', unit: 'median of searches; whisker min–max', bars }),
    probeChart(findMax.servers),
  ];
}

export function renderHtml(report: LoadReport, p99BoundMs = DEFAULT_P99_BOUND_MS): string {
  const first = report.results[0];
  const views = serverViews(report, p99BoundMs);
  const summary = repeatSummaryOf(report.results, report.repeat);
  const sections: string[] = [];
  const knee = summary?.knee;
  if (knee) sections.push(`<p class="knee"><strong>${escapeXml(knee)}</strong>. The knee is the load where a server flips between keeping up and falling behind: its rounds disagree (kept up in some and not others, or figures that swing widely), so one run of it is a coin toss and a ratio between servers means nothing. Lower the rate, or use --find-max for each server's limit.</p>`);
  // A drain's verdict is its own section (below): keeping up with a stream is not what it measures.
  const drain = first?.scenario === 'drain';
  if (views.length > 0 && !drain) sections.push('<h2>Verdict</h2>', verdictTable(views, summary, summary?.p99BoundMs ?? p99BoundMs));
  const withLatency = views.filter((v) => v.representative.latencyCurve.length > 0);
  if (withLatency.length > 0) {
    sections.push(lineChart({
      title: `${first?.scenario === 'rpc' ? 'RPC round trip' : 'Publish → deliver latency (probes)'} by percentile${views.some((v) => v.rounds > 1) ? ', median-p99 run of each server' : ''}`,
      xLabel: 'percentile',
      yLabel: 'ms',
      yLog: true,
      xScale: nines,
      xTicks: NINES_TICKS,
      series: withLatency.map((v) => ({ name: v.server, points: v.representative.latencyCurve })),
    }));
  }
  if (views.length > 0 && first?.scenario !== 'capacity' && !drain) sections.push(...throughputSections(views));
  sections.push(...findMaxSections(report));
  for (const r of report.results) sections.push(...drainSection(r), ...processSection(r));
  for (const r of report.results) {
    if (!r.capacity || r.capacity.rssSeries.length === 0) continue;
    sections.push(lineChart({
      title: `Server RSS vs open connections (${r.server})`,
      xLabel: 'connections',
      yLabel: 'RSS MiB',
      series: [{ name: 'RSS', points: r.capacity.rssSeries.map((s) => [s.connections, s.rssBytes / 2 ** 20] as [number, number]) }],
    }));
  }
  const tables = formatTables(report, p99BoundMs);
  const line = conclusion(report, p99BoundMs);
  const verdictClass = conclusionTone(line);
  const m = first?.machine ?? report.machine;
  const machine = m ? `${m.cpus} × ${escapeXml(m.cpuModel)} · ${escapeXml(m.os)} · Node ${escapeXml(m.node)}` : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Switchboard load test: ${escapeXml(report.scenario)}</title>
<style>${STYLE}</style>
</head><body>
<h1>Load test: ${escapeXml(report.scenario)}</h1>
<p class="conclusion ${verdictClass}">${escapeXml(line)}</p>
<p>${escapeXml(first?.startedAt ?? report.startedAt ?? '')} · ${machine}</p>
${report.load ? `<p>Load: ${escapeXml(report.load)}</p>` : ''}
${sections.join('\n')}
<h2>Tables</h2>
<pre>${escapeXml(tables.join('\n'))}</pre>
<details class="raw"><summary>Raw JSON</summary>
<pre>${escapeXml(JSON.stringify(report, null, 2))}</pre>
</details>
</body></html>
`;
}
