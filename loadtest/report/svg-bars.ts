/**
 * Horizontal inline-SVG bars, one per server, with an optional min–max whisker (the spread over
 * rounds or searches) and the value written at the bar's end. A missing value is drawn as "n/a".
 */
import { COLORS, escapeXml } from './svg-chart.js';

export interface Bar {
  label: string;
  value: number | null;
  /** Spread over repeats, drawn as a whisker. */
  low?: number;
  high?: number;
  /** Text after the bar. @default the value */
  text?: string;
}

export interface BarChartOptions {
  title: string;
  /** Unit shown after the title, e.g. "deliveries/s". */
  unit: string;
  bars: Bar[];
  /** A note under the title: what is better, what the whisker means. */
  note?: string;
  width?: number;
}

const ROW = 26;

export function barChart(options: BarChartOptions): string {
  const width = options.width ?? 720;
  const left = 120;
  const right = 200;
  const top = options.note ? 44 : 30;
  const height = top + options.bars.length * ROW + 10;
  const max = Math.max(...options.bars.map((bar) => Math.max(bar.value ?? 0, bar.high ?? 0)), 1e-9);
  const x = (value: number) => left + (value / max) * (width - left - right);
  const parts: string[] = [`<svg xmlns="http://www.w3.org/2000/svg" class="chart bar-chart" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`];
  parts.push(`<text x="${left}" y="18" font-weight="bold">${escapeXml(options.title)} <tspan font-weight="normal" fill="#555">(${escapeXml(options.unit)})</tspan></text>`);
  if (options.note) parts.push(`<text x="${left}" y="34" fill="#555" font-size="11">${escapeXml(options.note)}</text>`);
  options.bars.forEach((bar, i) => {
    const y = top + i * ROW;
    const color = COLORS[i % COLORS.length]!;
    parts.push(`<text class="bar-label" x="${left - 8}" y="${y + 15}" text-anchor="end">${escapeXml(bar.label)}</text>`);
    if (bar.value === null) {
      parts.push(`<text x="${left + 4}" y="${y + 15}" fill="#888">n/a</text>`);
      return;
    }
    parts.push(`<rect x="${left}" y="${y + 4}" width="${Math.max(1, x(bar.value) - left).toFixed(1)}" height="${ROW - 10}" fill="${color}" opacity="0.85"/>`);
    if (bar.low !== undefined && bar.high !== undefined && bar.high > bar.low) {
      const cy = y + ROW / 2;
      parts.push(`<path d="M${x(bar.low).toFixed(1)},${cy} H${x(bar.high).toFixed(1)} M${x(bar.low).toFixed(1)},${cy - 5} V${cy + 5} M${x(bar.high).toFixed(1)},${cy - 5} V${cy + 5}" stroke="#222" stroke-width="1.5" fill="none"/>`);
    }
    parts.push(`<text x="${Math.max(x(bar.value), x(bar.high ?? 0)) + 8}" y="${y + 15}">${escapeXml(bar.text ?? bar.value.toLocaleString('en-US'))}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}
