/**
 * Everything `npm run loadtest` prints on stdout after a run, as a pure function of the report:
 * the conclusion first, then the load, each run's figures (one round), the compare table with its
 * single baseline, find-max's table. The HTML report shows the same text under its charts.
 */
import { conclusion } from './conclusion.js';
import type { LoadReport } from './load-report.js';
import { repeatSummaryOf } from './rounds.js';
import { formatFindMax, formatRounds } from './summary-tables.js';
import { formatResult } from './table.js';
import { glossaryFor, legendText } from './legends.js';
import { DEFAULT_P99_BOUND_MS } from './verdict.js';

export interface TextReportOptions {
  /** p99 bound of the run (ms), for single runs (compare and find-max carry theirs). */
  p99BoundMs?: number;
  /** Said after the load line (why compare's default load is what it is). */
  loadNote?: string;
}

/**
 * The report's text tables, without the conclusion and the load line (the HTML report has its own).
 * `p99BoundMs` is the run's bound for single runs; compare's summary carries its own.
 */
export function formatTables(report: LoadReport, p99BoundMs = DEFAULT_P99_BOUND_MS): string[] {
  const parts: string[] = [];
  const summary = repeatSummaryOf(report.results, report.repeat);
  const bound = summary?.p99BoundMs ?? p99BoundMs;
  // Over several rounds every run's block would bury the summary: the JSON keeps them.
  if (summary === undefined || summary.rounds.length === 1) parts.push(...report.results.map((r) => formatResult(r, bound)));
  if (summary !== undefined) parts.push(formatRounds(summary));
  if (report.findMax !== undefined) parts.push(formatFindMax(report.findMax));
  // Terms in the build lines, said once for the whole report.
  const builds = [...report.results.map((r) => r.serverBuild), ...(report.findMax?.servers.map((s) => s.serverBuild) ?? [])].join(' ');
  const glossary = legendText(glossaryFor(builds), 'terms').trimStart();
  if (glossary !== '') parts.push(glossary);
  return parts;
}

/** The whole stdout of a run. */
export function formatReport(report: LoadReport, options: TextReportOptions = {}): string {
  const parts = [`conclusion: ${conclusion(report, options.p99BoundMs)}\n`];
  if (report.load !== undefined) parts.push(`load: ${report.load}${options.loadNote ? ` (${options.loadNote})` : ''}\n`);
  parts.push(...formatTables(report, options.p99BoundMs));
  return parts.map((part) => `\n${part}`).join('');
}
