/**
 * A small inline-SVG line chart: no library, no script, so an HTML report is one file. The y axis
 * may be logarithmic, with a tick per decade: latencies of servers that keep up (a few ms) and of
 * one that fell behind (seconds) then share a plot instead of the slow one flattening the rest.
 */

export interface Series {
  name: string;
  points: Array<[number, number]>;
}

export interface ChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  /** Maps data x to plotted x (e.g. a "nines" scale for percentiles). @default identity */
  xScale?: (x: number) => number;
  /** Tick positions in data x, with labels. @default 5 even ticks */
  xTicks?: Array<[number, string]>;
  /** Logarithmic y axis, one tick per decade. @default false */
  yLog?: boolean;
  width?: number;
  height?: number;
}

export const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b'];
export const escapeXml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const fmt = (value: number) => (Math.abs(value) >= 100 ? Math.round(value).toLocaleString('en-US') : Math.abs(value) >= 1 ? value.toFixed(1) : value.toFixed(2));
const fmtDecade = (value: number) => (value >= 1 ? Math.round(value).toLocaleString('en-US') : String(Number(value.toPrecision(1))));

/** A y axis: data value → 0..1 of the plot height, and its ticks. */
interface YAxis {
  unit: (y: number) => number;
  ticks: Array<[number, string]>;
}

function linearAxis(ys: number[]): YAxis {
  const maxY = Math.max(...ys) * 1.05 || 1;
  return { unit: (y) => y / maxY, ticks: Array.from({ length: 5 }, (_, i) => [(maxY * i) / 4, fmt((maxY * i) / 4)] as [number, string]) };
}

function logAxis(ys: number[]): YAxis {
  const positive = ys.filter((y) => y > 0);
  const lo = Math.floor(Math.log10(Math.min(...positive, 1)));
  const hi = Math.max(lo + 1, Math.ceil(Math.log10(Math.max(...positive, 1))));
  const floor = 10 ** lo;
  const ticks: Array<[number, string]> = [];
  for (let k = lo; k <= hi; k++) ticks.push([10 ** k, fmtDecade(10 ** k)]);
  return { unit: (y) => (Math.log10(Math.max(y, floor)) - lo) / (hi - lo), ticks };
}

export function lineChart(options: ChartOptions): string {
  const width = options.width ?? 720;
  const height = options.height ?? 360;
  const margin = { left: 70, right: 170, top: 30, bottom: 50 };
  const scaleX = options.xScale ?? ((x: number) => x);
  const all = options.series.flatMap((series) => series.points);
  if (all.length === 0) return `<p>${escapeXml(options.title)}: no data</p>`;
  const xs = all.map(([x]) => scaleX(x));
  const minX = Math.min(...xs);
  const maxX = Math.max(...xs, minX + 1e-9);
  const axis = options.yLog ? logAxis(all.map(([, y]) => y)) : linearAxis(all.map(([, y]) => y));
  const px = (x: number) => margin.left + ((scaleX(x) - minX) / (maxX - minX)) * (width - margin.left - margin.right);
  const py = (y: number) => height - margin.bottom - axis.unit(y) * (height - margin.top - margin.bottom);
  const xTicks = options.xTicks ?? Array.from({ length: 5 }, (_, i) => {
    const x = minX + ((maxX - minX) * i) / 4;
    return [x, fmt(x)] as [number, string];
  });
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" class="chart line-chart" data-y-scale="${options.yLog ? 'log' : 'linear'}" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`);
  parts.push(`<text x="${width / 2 - margin.right / 2}" y="18" text-anchor="middle" font-weight="bold">${escapeXml(options.title)}</text>`);
  for (const [y, label] of axis.ticks) {
    parts.push(`<line x1="${margin.left}" x2="${width - margin.right}" y1="${py(y)}" y2="${py(y)}" stroke="#ddd"/>`);
    parts.push(`<text class="y-tick" x="${margin.left - 6}" y="${py(y) + 4}" text-anchor="end">${escapeXml(label)}</text>`);
  }
  for (const [x, label] of xTicks) {
    parts.push(`<line x1="${px(x)}" x2="${px(x)}" y1="${margin.top}" y2="${height - margin.bottom}" stroke="#eee"/>`);
    parts.push(`<text class="x-tick" x="${px(x)}" y="${height - margin.bottom + 16}" text-anchor="middle">${escapeXml(label)}</text>`);
  }
  parts.push(`<text x="${(margin.left + width - margin.right) / 2}" y="${height - 10}" text-anchor="middle">${escapeXml(options.xLabel)}</text>`);
  parts.push(`<text transform="translate(16 ${height / 2}) rotate(-90)" text-anchor="middle">${escapeXml(options.yLabel)}${options.yLog ? ' (log scale)' : ''}</text>`);
  options.series.forEach((series, i) => {
    const color = COLORS[i % COLORS.length]!;
    const path = series.points.map(([x, y], j) => `${j === 0 ? 'M' : 'L'}${px(x).toFixed(1)},${py(y).toFixed(1)}`).join(' ');
    parts.push(`<path d="${path}" fill="none" stroke="${color}" stroke-width="2"/>`);
    for (const [x, y] of series.points) parts.push(`<circle cx="${px(x).toFixed(1)}" cy="${py(y).toFixed(1)}" r="2.5" fill="${color}"><title>${escapeXml(series.name)}: p${x} = ${y} ms</title></circle>`);
    const ly = margin.top + 10 + i * 18;
    parts.push(`<rect x="${width - margin.right + 12}" y="${ly - 9}" width="12" height="12" fill="${color}"/>`);
    parts.push(`<text class="legend" x="${width - margin.right + 30}" y="${ly + 1}">${escapeXml(series.name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}
