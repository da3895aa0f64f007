/**
 * What every Redis bench records besides its numbers, because on a shared 2-core box the numbers
 * mean little without it: cores, load average before and after, Node and Redis versions, the exact
 * command. Also the min/median/max summary the runs are reported with, and the outcome of a publish
 * as the HTTP API would answer it (the same table, src/server/http/errors.ts).
 */
import { availableParallelism, loadavg } from 'node:os';
import { relative } from 'node:path';
import { errorAnswer } from '../../src/server/http/errors.js';

/** The machine and command of one sitting. */
export interface Sitting {
  readonly command: string;
  readonly cores: number;
  readonly node: string;
  readonly redis: string;
  readonly loadBefore: readonly number[];
  loadAfter: readonly number[];
}

/** Records the sitting's start (call before the first measurement). */
export function startSitting(redisVersion: string): Sitting {
  const script = relative(process.cwd(), process.argv[1] ?? '');
  return {
    command: ['node --import tsx', script, ...process.argv.slice(2)].join(' '),
    cores: availableParallelism(),
    node: process.version,
    redis: redisVersion,
    loadBefore: loadavg().map(round2),
    loadAfter: [],
  };
}

/** The sitting as printed lines (call after the last measurement). */
export function describeSitting(sitting: Sitting): string {
  sitting.loadAfter = loadavg().map(round2);
  return [
    `  command: ${sitting.command}`,
    `  ${sitting.cores} cores, node ${sitting.node}, redis ${sitting.redis}; load average (1/5/15 min) before ${sitting.loadBefore.join(' / ')}, after ${sitting.loadAfter.join(' / ')}`,
  ].join('\n');
}

/** Min, median and max of some runs. */
export interface Spread {
  min: number;
  median: number;
  max: number;
}

export function spread(values: readonly number[]): Spread {
  if (values.length === 0) return { min: NaN, median: NaN, max: NaN };
  const sorted = [...values].sort((a, b) => a - b);
  return { min: sorted[0]!, median: sorted[Math.floor(sorted.length / 2)]!, max: sorted.at(-1)! };
}

/** "min / median / max" with a unit. */
export function formatSpread(s: Spread, unit = ''): string {
  return `${fmt(s.min)} / ${fmt(s.median)} / ${fmt(s.max)}${unit}`;
}

/** A number for a table: thousands separated, at most one decimal below 100. */
export function fmt(n: number): string {
  if (!Number.isFinite(n)) return '—';
  return n.toLocaleString('en', { maximumFractionDigits: Math.abs(n) < 100 ? 1 : 0 });
}

/** The HTTP status the publish API answers for this outcome: 200, or the error's (503, 504, …). */
export function publishStatus(err: unknown): number {
  if (err === undefined) return 200;
  return Number(errorAnswer(err).status.slice(0, 3));
}

/** Counts per status, as "200 × n, 503 × m". */
export function formatStatuses(counts: ReadonlyMap<number, number>): string {
  if (counts.size === 0) return 'none';
  return [...counts.entries()]
    .sort(([a], [b]) => a - b)
    .map(([status, count]) => `${status} × ${count.toLocaleString('en')}`)
    .join(', ');
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}
