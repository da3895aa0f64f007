/**
 * What each column of the report's tables means, said once under the table, in the text output
 * and in the HTML report alike. A first-time reader should not need the README to read a table.
 */
import { baselines } from './baseline.js';

/** `[column, meaning]` pairs, in the table's order. */
export type Legend = ReadonlyArray<readonly [string, string]>;

/** The compare table's columns (summary-tables.ts formatRounds). */
export function compareLegend(baseline: string, p99BoundMs: number, rounds: number): Legend {
  const over = rounds > 1 ? `median of the ${rounds} rounds, (min–max) when they differ` : 'one run';
  return [
    ['server', 'the server under test; the baseline row has no ratios'],
    ['delivered/s', `messages received per second by all subscribers during the measurement window (${over})`],
    [`vs ${baseline}`, `this server's figure ÷ ${baselines(baseline)} in the same round, median over rounds. For p99 and µs/deliv below 1x is better; for delivered/s above 1x`],
    ['p99 ms', 'publish → deliver latency measured on a few probe connections: 99 % of messages arrived faster'],
    ['lost', 'messages that never arrived, even after the wait for stragglers'],
    ['srv µs/deliv', 'server CPU time per delivered message, microseconds: what a delivery costs the server'],
    ['deliv/core-s', 'deliveries one fully busy server core would make at that cost (1,000,000 ÷ µs/deliv)'],
    ['srv CPU %', 'server CPU during the window, % of one core (a Node process runs its JavaScript on one core: 100 is its limit)'],
    ['box CPU %', 'the whole machine busy, % of one core (200 = every core of a 2-core box): server, load generator, kernel and neighbours'],
    ['kept up', `rounds with nothing lost, p99 ≤ ${p99BoundMs} ms and the publisher on its schedule`],
    ['verdict', 'kept up, or what ran out first when it did not'],
  ];
}

/** find-max's table (summary-tables.ts formatFindMax). */
export function findMaxLegend(): Legend {
  return [
    ['max msg/s (median)', 'the highest publish rate that passed, median over the searches'],
    ['min, max', 'the lowest and highest found rate over the searches'],
    ['deliveries/s (median)', 'the same rate in messages delivered per second (rate × subscribers per topic)'],
    ['probes', 'short runs made, over every search'],
    ['searches', 'the rate each search found, in the order they ran'],
    ['knee', '"narrow" when the searches agree within 25 %; otherwise how far apart they are: the limit is a band, not a line'],
  ];
}

/** A cluster's process table (cluster-tables.ts). */
export function processLegend(): Legend {
  return [
    ['process', 'each worker, the supervisor that restarts them, and the run\'s redis-server'],
    ['RSS MiB (connected)', 'resident memory once every connection was open'],
    ['RSS MiB peak', 'the highest resident memory seen during the run'],
    ['CPU % (window)', 'CPU during the measurement window, % of one core'],
    ['connections', 'open connections each worker reported on /metrics'],
    ['workers (N)', 'the workers added up: these are the server figures'],
  ];
}

/** The HTML report's verdict table (html.ts). */
export function verdictLegend(baseline: string | null, p99BoundMs: number): Legend {
  return [
    ['verdict', 'kept up, or what ran out first when it did not'],
    ['kept up', `runs with nothing lost, p99 ≤ ${p99BoundMs} ms and the publisher on its schedule, of all runs`],
    ['delivered/s', 'messages received per second by all subscribers in the window (median over runs)'],
    ['p99 ms', 'publish → deliver latency on the probe connections: 99 % of messages arrived faster'],
    ...(baseline === null ? [] : [[`vs ${baseline}`, `p99 and CPU per delivery ÷ ${baselines(baseline)} in the same round, median over rounds; below 1x is better`] as const]),
    ['CPU µs/delivery', 'server CPU time per delivered message, microseconds'],
    ['build', 'what served: the uWS build or library, and settings of note'],
  ];
}

/** Words in build lines that need saying once. */
const GLOSSARY: ReadonlyArray<readonly [string, string]> = [
  ['serial scavenge', 'V8 collects short-lived garbage on the main thread instead of helper threads, as the switchboard command does (docs/operations.md)'],
  ['coalesceMs', 'frames to one subscriber are batched for that many ms'],
];

/** Glossary entries for the terms that appear in `text` (build lines). */
export function glossaryFor(text: string): Legend {
  return GLOSSARY.filter(([term]) => text.includes(term));
}

/** A legend as text lines under a table, after a heading ("columns", or "terms" for a glossary). */
export function legendText(legend: Legend, heading = 'columns'): string {
  if (legend.length === 0) return '';
  const width = Math.max(...legend.map(([column]) => column.length));
  return `\n${heading}:\n${legend.map(([column, meaning]) => `  ${column.padEnd(width)}  ${meaning}`).join('\n')}\n`;
}
