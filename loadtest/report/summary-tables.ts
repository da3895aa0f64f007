/** The text tables of a compare over rounds and of find-max searches. */
import type { FindMaxReport } from './load-report.js';
import type { RepeatSummary } from './rounds.js';
import type { Spread } from './stats.js';
import { textGrid } from './text-grid.js';
import { compareLegend, findMaxLegend, legendText } from './legends.js';

const num = (value: number) => Math.round(value).toLocaleString('en-US');
const fixed = (digits: number) => (value: number) => value.toFixed(digits);

/** `median (min–max)`, or just the value when all rounds agree to the digits shown, or n/a. */
export function formatSpread(s: Spread | null, format: (value: number) => string = num): string {
  if (s === null) return 'n/a';
  const [low, high] = [format(s.min), format(s.max)];
  // Rounds that differ only past the digits shown agree, as far as the reader can see.
  if (s.n === 1 || low === high) return format(s.median);
  return `${format(s.median)} (${low}–${high})`;
}

/**
 * compare: THE table, one line per server, with one baseline for every ratio (the relay, else
 * bare uWS, else the first server), then what the rounds show and a legend of the columns.
 */
export function formatRounds(summary: RepeatSummary): string {
  const base = summary.baseline;
  const header = ['server', 'delivered/s', `vs ${base}`, 'p99 ms', `vs ${base}`, 'lost', 'srv µs/deliv', `vs ${base}`, 'deliv/core-s', 'srv CPU %', 'box CPU %', 'kept up', 'verdict'];
  const ratio = (s: Spread | null | undefined) => (s ? formatSpread(s, (v) => `${v.toFixed(2)}x`) : '');
  const lines = summary.servers.map((s) => [
    s.server === base ? `${s.server} (baseline)` : s.server,
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
  const rounds = summary.rounds.length;
  return `${textGrid(header, lines, [header.length - 1])}${roundsNote(summary)}\n${legendText(compareLegend(base, summary.p99BoundMs, rounds))}`;
}

/**
 * What the rounds can tell. One round measures each server once and says nothing about how close
 * a server is to its limit; over several, rounds that disagree mean it sits right at it (the knee).
 */
export function roundsNote(summary: RepeatSummary): string {
  const rounds = summary.rounds.length;
  if (rounds <= 1) return 'one round: every figure is a single run of each server, so it cannot show how close a server is to its limit (--repeat 3 repeats it; --find-max searches for the limit)';
  const order = summary.rounds.map((r) => `${r.round + 1}: ${r.order.join(' ')}`).join(' | ');
  const agreement = summary.knee === null
    ? `the ${rounds} rounds agree: each server kept up, or fell behind, in every round`
    : `${summary.knee}. A server on the knee is at its limit: it keeps up in one run and falls behind in the next, so ratios against it mean nothing`;
  return `${rounds} rounds, servers rotated (${order})\n${agreement}`;
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
  return `${textGrid(header, lines, [header.length - 2, header.length - 1])}a probe passes with nothing lost, p99 ≤ ${report.p99BoundMs} ms and the publisher on schedule; ${report.probeDurationSec} s per probe; ${report.deliveriesPerPublication} deliveries per publication\n${legendText(findMaxLegend())}probes per search (✓ passed, ✗ failed, "again" a failure probed twice before it is believed):\n${probes.join('\n')}\n`;
}
