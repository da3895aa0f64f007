/** The text tables of a compare over rounds and of find-max searches. */
import type { FindMaxReport } from './load-report.js';
import type { RepeatSummary } from './rounds.js';
import type { Spread } from './stats.js';
import { textGrid } from './text-grid.js';

const num = (value: number) => Math.round(value).toLocaleString('en-US');
const fixed = (digits: number) => (value: number) => value.toFixed(digits);

/** `median (min–max)`, or just the value when all rounds agree, or n/a. */
export function formatSpread(s: Spread | null, format: (value: number) => string = num): string {
  if (s === null) return 'n/a';
  if (s.n === 1 || s.min === s.max) return format(s.median);
  return `${format(s.median)} (${format(s.min)}–${format(s.max)})`;
}

/** compare over rounds: medians with their range, ratios against the first server, verdicts. */
export function formatRounds(summary: RepeatSummary): string {
  const header = ['server', 'delivered/s', `vs ${summary.baseline}`, 'p99 ms', `vs ${summary.baseline}`, 'lost', 'srv µs/deliv', `vs ${summary.baseline}`, 'deliv/core-s', 'srv CPU %', 'box CPU %', 'kept up', 'verdict'];
  const ratio = (s: Spread | null | undefined) => (s ? formatSpread(s, (v) => `${v.toFixed(2)}x`) : '');
  const lines = summary.servers.map((s) => [
    s.server,
    formatSpread(s.figures.deliveredPerSec),
    ratio(s.ratios?.deliveredPerSec),
    formatSpread(s.figures.p99Ms, fixed(1)),
    ratio(s.ratios?.p99Ms),
    formatSpread(s.figures.lost),
    formatSpread(s.figures.serverCpuUsPerDelivery, fixed(2)),
    ratio(s.ratios?.serverCpuUsPerDelivery),
    formatSpread(s.figures.deliveriesPerServerCoreSec),
    formatSpread(s.figures.serverCpuPercent, fixed(0)),
    formatSpread(s.figures.machineCpuPercent, fixed(0)),
    `${s.keptUp}/${s.rounds}`,
    s.verdict,
  ]);
  const order = summary.rounds.map((r) => `${r.round + 1}: ${r.order.join(' ')}`).join(' | ');
  const lines2 = [`medians over ${summary.rounds.length} round(s), (min–max); ratios per round against ${summary.baseline}; kept up = no loss and p99 ≤ ${summary.p99BoundMs} ms`, `order: ${order}`];
  lines2.push(summary.knee ?? 'no server on the knee: every server behaved the same way in every round');
  return `${textGrid(header, lines, [header.length - 1])}${lines2.join('\n')}\n`;
}

/** find-max: the found rate per server over its searches, and each search's probes. */
export function formatFindMax(report: FindMaxReport): string {
  const header = ['server', 'max msg/s (median)', 'min', 'max', 'deliveries/s (median)', 'probes', 'searches', 'knee'];
  const lines = report.servers.map((s) => [
    s.server,
    s.foundRate ? num(s.foundRate.median) : 'none',
    s.foundRate ? num(s.foundRate.min) : '',
    s.foundRate ? num(s.foundRate.max) : '',
    s.foundDeliveriesPerSec ? num(s.foundDeliveriesPerSec.median) : '',
    String(s.searches.reduce((sum, search) => sum + search.probes.length, 0)),
    s.searches.map((search) => (search.foundRate === null ? 'none' : num(search.foundRate))).join(' / '),
    s.knee ?? 'narrow',
  ]);
  const probes = report.servers.flatMap((s) => s.searches.map((search) => `  ${s.server} #${search.round + 1}: ${search.probes.map((p) => `${p.retry ? 'again ' : ''}${num(p.rate)}${p.ok ? '✓' : '✗'}`).join(' → ')} (${search.stoppedBy})`));
  return `${textGrid(header, lines, [header.length - 2, header.length - 1])}pass = no loss, p99 ≤ ${report.p99BoundMs} ms, publisher on schedule; ${report.probeDurationSec} s per probe; ${report.deliveriesPerPublication} deliveries per publication\n${probes.join('\n')}\n`;
}
