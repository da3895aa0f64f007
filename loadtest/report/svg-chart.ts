/** A small inline-SVG line chart: no library, no script, so an HTML report is one file. */

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
  width?: number;
  height?: number;
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b'];
const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const fmt = (value: number) => (Math.abs(value) >= 100 ? value.toFixed(0) : Math.abs(value) >= 1 ? value.toFixed(1) : value.toFixed(2));

export function lineChart(options: ChartOptions): string {
  const width = options.width ?? 720;
  const height = options.height ?? 360;
  const margin = { left: 70, right: 150, top: 30, bottom: 50 };
  const scaleX = options.xScale ?? ((x: number) => x);
  const all = options.series.flatMap((series) => series.points);
  if (all.length === 0) return `<p>${escape(options.title)}: no data</p>`;
  const xs = all.map(([x]) => scaleX(x));
  const ys = all.map(([, y]) => y);
  const minX = Math.min(...xs);
  const maxX = Math.max(...xs, minX + 1e-9);
  const maxY = Math.max(...ys) * 1.05 || 1;
  const px = (x: number) => margin.left + ((scaleX(x) - minX) / (maxX - minX)) * (width - margin.left - margin.right);
  const py = (y: number) => height - margin.bottom - (y / maxY) * (height - margin.top - margin.bottom);
  const xTicks = options.xTicks ?? Array.from({ length: 5 }, (_, i) => {
    const x = minX + ((maxX - minX) * i) / 4;
    return [x, fmt(x)] as [number, string];
  });
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`);
  parts.push(`<text x="${width / 2 - margin.right / 2}" y="18" text-anchor="middle" font-weight="bold">${escape(options.title)}</text>`);
  for (let i = 0; i <= 4; i++) {
    const y = (maxY * i) / 4;
    parts.push(`<line x1="${margin.left}" x2="${width - margin.right}" y1="${py(y)}" y2="${py(y)}" stroke="#ddd"/>`);
    parts.push(`<text x="${margin.left - 6}" y="${py(y) + 4}" text-anchor="end">${fmt(y)}</text>`);
  }
  for (const [x, label] of xTicks) {
    parts.push(`<line x1="${px(x)}" x2="${px(x)}" y1="${margin.top}" y2="${height - margin.bottom}" stroke="#eee"/>`);
    parts.push(`<text x="${px(x)}" y="${height - margin.bottom + 16}" text-anchor="middle">${escape(label)}</text>`);
  }
  parts.push(`<text x="${(margin.left + width - margin.right) / 2}" y="${height - 10}" text-anchor="middle">${escape(options.xLabel)}</text>`);
  parts.push(`<text transform="translate(16 ${height / 2}) rotate(-90)" text-anchor="middle">${escape(options.yLabel)}</text>`);
  options.series.forEach((series, i) => {
    const color = COLORS[i % COLORS.length]!;
    const path = series.points.map(([x, y], j) => `${j === 0 ? 'M' : 'L'}${px(x).toFixed(1)},${py(y).toFixed(1)}`).join(' ');
    parts.push(`<path d="${path}" fill="none" stroke="${color}" stroke-width="2"/>`);
    for (const [x, y] of series.points) parts.push(`<circle cx="${px(x).toFixed(1)}" cy="${py(y).toFixed(1)}" r="2.5" fill="${color}"/>`);
    const ly = margin.top + 10 + i * 18;
    parts.push(`<rect x="${width - margin.right + 12}" y="${ly - 9}" width="12" height="12" fill="${color}"/>`);
    parts.push(`<text x="${width - margin.right + 30}" y="${ly + 1}">${escape(series.name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}
