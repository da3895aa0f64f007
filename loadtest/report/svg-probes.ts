/**
 * find-max's probes as dots on a log rate axis, one row per search: green passed, red failed. The
 * band where rows disagree is the knee, visible at a glance.
 */
import type { FindMaxServer } from './load-report.js';
import { escapeXml } from './svg-chart.js';

export function probeChart(servers: readonly FindMaxServer[], width = 720): string {
  const rows = servers.flatMap((s) => s.searches.map((search) => ({ label: `${s.server} #${search.round + 1}`, search })));
  const rates = rows.flatMap((row) => row.search.probes.map((p) => p.rate));
  if (rates.length === 0) return '';
  const left = 130;
  const right = 30;
  const top = 30;
  const rowHeight = 20;
  const height = top + rows.length * rowHeight + 40;
  const lo = Math.floor(Math.log10(Math.min(...rates)));
  const hi = Math.max(lo + 1, Math.ceil(Math.log10(Math.max(...rates))));
  const x = (rate: number) => left + ((Math.log10(rate) - lo) / (hi - lo)) * (width - left - right);
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" class="chart probe-chart" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`];
  parts.push(`<text x="${left}" y="18" font-weight="bold">Probes per search <tspan font-weight="normal" fill="#555">(msg/s, log scale; green passed, red failed; the found rate is ringed)</tspan></text>`);
  for (let k = lo; k <= hi; k++) {
    for (const m of [1, 2, 5]) {
      const rate = m * 10 ** k;
      if (rate > 10 ** hi) continue;
      parts.push(`<line x1="${x(rate)}" x2="${x(rate)}" y1="${top}" y2="${height - 35}" stroke="${m === 1 ? '#ccc' : '#eee'}"/>`);
      parts.push(`<text class="x-tick" x="${x(rate)}" y="${height - 20}" text-anchor="middle" fill="${m === 1 ? '#222' : '#888'}">${rate.toLocaleString('en-US')}</text>`);
    }
  }
  rows.forEach((row, i) => {
    const y = top + i * rowHeight + 12;
    parts.push(`<text class="bar-label" x="${left - 8}" y="${y + 4}" text-anchor="end">${escapeXml(row.label)}</text>`);
    for (const p of row.search.probes) {
      parts.push(`<circle cx="${x(p.rate).toFixed(1)}" cy="${y}" r="5" fill="${p.ok ? '#1a7f37' : '#d62728'}" opacity="0.75"><title>${p.rate} msg/s: ${p.ok ? 'ok' : escapeXml(p.reason)}</title></circle>`);
    }
    if (row.search.foundRate !== null) parts.push(`<circle cx="${x(row.search.foundRate).toFixed(1)}" cy="${y}" r="8" fill="none" stroke="#222" stroke-width="1.5"/>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}
