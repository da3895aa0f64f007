/**
 * `--repeat N`: the servers run interleaved over N rounds (rotated: A B C, B C A, C A B, …) so a
 * neighbour's burst or the box warming up does not always hit the same server, and each figure is
 * reported as the median with its min and max. Ratios are taken within a round (server ÷ the
 * baseline, same round: the relay, else bare uWS, else the first server listed; see baseline.ts),
 * then the median of those. A server that keeps up in some rounds
 * and not in others, or whose figures swing widely, sits on the knee: its numbers are a coin toss.
 */
import type { ScenarioResult } from './result.js';
import { spread, spreadRatio, type Spread } from './stats.js';
import { keptUp, verdict } from './verdict.js';
import { pickBaseline } from './baseline.js';

/** The servers in the order they run in round `round` (0-based): rotated by one each round. */
export function roundOrder<T>(servers: readonly T[], round: number): T[] {
  const shift = servers.length === 0 ? 0 : round % servers.length;
  return [...servers.slice(shift), ...servers.slice(0, shift)];
}

/** Figures summarised over rounds, by name, read from a result. */
export const FIGURES = {
  deliveredPerSec: (r: ScenarioResult) => r.deliveredPerSec,
  p50Ms: (r: ScenarioResult) => r.latencyMs.p50,
  p99Ms: (r: ScenarioResult) => r.latencyMs.p99,
  lost: (r: ScenarioResult) => r.lost,
  serverCpuPercent: (r: ScenarioResult) => r.serverCpuPercent,
  serverCpuUsPerDelivery: (r: ScenarioResult) => r.serverCpuUsPerDelivery,
  deliveriesPerServerCoreSec: (r: ScenarioResult) => r.deliveriesPerServerCoreSec,
  serverRssBytes: (r: ScenarioResult) => r.serverRssBytes,
  rssPerConnectionBytes: (r: ScenarioResult) => r.rssPerConnectionBytes,
  machineCpuPercent: (r: ScenarioResult) => r.machineCpuPercent,
} as const;
export type FigureName = keyof typeof FIGURES;

/** Figures that get a ratio against the baseline. */
export const RATIO_FIGURES = ['deliveredPerSec', 'p99Ms', 'serverCpuUsPerDelivery'] as const satisfies readonly FigureName[];

// Thresholds for "on the knee": delivered/s varying by more than 20 % between rounds, or p99
// by more than 5x with at least one round over the bound, is not a property of the server.
const KNEE_DELIVERED_SPREAD = 1.2;
const KNEE_P99_SPREAD = 5;

export interface ServerRounds {
  server: string;
  rounds: number;
  /** Rounds with zero loss and p99 under the bound. */
  keptUp: number;
  figures: Record<FigureName, Spread | null>;
  /** Per-round ratio against the baseline server, summarised; null for the baseline itself. */
  ratios: Record<(typeof RATIO_FIGURES)[number], Spread | null> | null;
  /** The most common kind of verdict over the rounds ("kept up", "server CPU-bound", …). */
  verdict: string;
  /** Why this server's rounds disagree, when they do. */
  knee: string | null;
}

export interface RepeatSummary {
  /** Which server ran when: round number and the order within it. */
  rounds: Array<{ round: number; order: string[] }>;
  /** The server ratios are against: the relay, else bare uWS, else the first of --servers. */
  baseline: string;
  p99BoundMs: number;
  servers: ServerRounds[];
  /** Set when any server sits on the knee: then the table is not a comparison. */
  knee: string | null;
}

/** Summarises results that carry their `round`, servers in `servers` order. */
export function summariseRounds(results: readonly ScenarioResult[], servers: readonly string[], p99BoundMs: number): RepeatSummary {
  const roundNumbers = [...new Set(results.map((r) => r.round ?? 0))].sort((a, b) => a - b);
  const rounds = roundNumbers.map((round) => ({
    round,
    order: results.filter((r) => (r.round ?? 0) === round).sort((a, b) => (a.roundPosition ?? 0) - (b.roundPosition ?? 0)).map((r) => r.server),
  }));
  const baseline = pickBaseline(servers);
  const baseIn = (round: number) => results.find((r) => r.server === baseline && (r.round ?? 0) === round);
  const summaries = servers.map((server): ServerRounds => {
    const mine = results.filter((r) => r.server === server);
    const figures = Object.fromEntries(Object.entries(FIGURES).map(([name, read]) => [name, spread(mine.map(read))])) as Record<FigureName, Spread | null>;
    const ratios = server === baseline ? null : (Object.fromEntries(RATIO_FIGURES.map((name) => [name, spread(mine.map((r) => {
      const base = baseIn(r.round ?? 0);
      const of = base === undefined ? null : FIGURES[name](base);
      const value = FIGURES[name](r);
      return of && value !== null ? value / of : null;
    }))])) as ServerRounds['ratios']);
    const kept = mine.filter((r) => keptUp(r, p99BoundMs)).length;
    return { server, rounds: mine.length, keptUp: kept, figures, ratios, verdict: mostCommon(mine.map((r) => verdictKind(verdict(r, p99BoundMs)))), knee: kneeOf(kept, mine.length, figures, p99BoundMs) };
  });
  const onKnee = summaries.filter((s) => s.knee !== null);
  return {
    rounds,
    baseline,
    p99BoundMs,
    servers: summaries,
    knee: onKnee.length === 0 ? null : `on the knee: results not comparable (${onKnee.map((s) => `${s.server}: ${s.knee}`).join('; ')})`,
  };
}

function kneeOf(kept: number, rounds: number, figures: Record<FigureName, Spread | null>, p99BoundMs: number): string | null {
  if (kept > 0 && kept < rounds) return `kept up in ${kept} of ${rounds} rounds`;
  const delivered = figures.deliveredPerSec;
  if (delivered && spreadRatio(delivered) > KNEE_DELIVERED_SPREAD) return `delivered/s ${fmt(delivered.min)}–${fmt(delivered.max)} across rounds${kept === 0 ? ', behind in every round' : ''}`;
  const p99 = figures.p99Ms;
  if (p99 && p99.max > p99BoundMs && spreadRatio(p99) > KNEE_P99_SPREAD) return `p99 ${p99.min}–${p99.max} ms across rounds`;
  return null;
}

const fmt = (value: number) => Math.round(value).toLocaleString('en-US');

/** "kept up (server at 62 % of a core)" → "kept up": rounds differing only in the CPU figure agree. */
const verdictKind = (text: string) => text.split(/[:(]/)[0]!.trim();

function mostCommon(values: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 'n/a';
}

/**
 * The summary of a report's rounds, recomputed from its results with today's rules (the baseline
 * choice changed: older JSON holds ratios against the first server). Undefined without rounds.
 */
export function repeatSummaryOf(results: readonly ScenarioResult[], stored: RepeatSummary | undefined): RepeatSummary | undefined {
  if (stored === undefined) return undefined;
  const servers = stored.rounds[0]?.order ?? stored.servers.map((s) => s.server);
  return summariseRounds(results, servers, stored.p99BoundMs);
}
