/**
 * `--html <file>`: one self-contained page (inline CSS and SVG, no scripts): the results table, the
 * latency percentile chart (one line per server in `compare`), and for capacity RSS vs connections.
 */
import type { ScenarioResult } from '../result.js';
import { formatComparison, formatResult } from './table.js';
import { lineChart } from './svg-chart.js';

const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

// Percentiles on a "nines" axis: 90 → 1, 99 → 2, 99.9 → 3 … so the tail gets the room it deserves.
const nines = (p: number) => -Math.log10(Math.max(1e-5, 1 - Math.min(p, 99.999) / 100));
const NINES_TICKS: Array<[number, string]> = [[0, '0'], [50, '50'], [90, '90'], [99, '99'], [99.9, '99.9'], [99.99, '99.99']];

export function renderHtml(results: readonly ScenarioResult[]): string {
  const first = results[0];
  if (first === undefined) return '<!doctype html><p>no results</p>';
  const sections: string[] = [];
  const withLatency = results.filter((r) => r.latencyCurve.length > 0);
  if (withLatency.length > 0) {
    sections.push(lineChart({
      title: first.scenario === 'rpc' ? 'RPC round trip by percentile' : 'Publish → deliver latency by percentile (probes)',
      xLabel: 'percentile',
      yLabel: 'ms',
      xScale: nines,
      xTicks: NINES_TICKS,
      series: withLatency.map((r) => ({ name: r.server, points: r.latencyCurve })),
    }));
  }
  for (const r of results) {
    if (!r.capacity || r.capacity.rssSeries.length === 0) continue;
    sections.push(lineChart({
      title: `Server RSS vs open connections (${r.server})`,
      xLabel: 'connections',
      yLabel: 'RSS MiB',
      series: [{ name: 'RSS', points: r.capacity.rssSeries.map((s) => [s.connections, s.rssBytes / 2 ** 20] as [number, number]) }],
    }));
  }
  const table = results.map(formatResult).join('\n') + (results.length > 1 ? `\n${formatComparison(results)}` : '');
  const m = first.machine;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Switchboard load test: ${escape(first.scenario)}</title>
<style>body{font-family:sans-serif;max-width:980px;margin:2em auto;color:#222}pre{background:#f6f6f6;padding:1em;overflow:auto;font-size:12px}</style>
</head><body>
<h1>Load test: ${escape(first.scenario)}</h1>
<p>${escape(first.startedAt)} · ${m.cpus} × ${escape(m.cpuModel)} · ${escape(m.os)} · Node ${escape(m.node)}</p>
${sections.join('\n')}
<h2>Results</h2>
<pre>${escape(table)}</pre>
<h2>Raw</h2>
<pre>${escape(JSON.stringify(results, null, 2))}</pre>
</body></html>
`;
}
