/**
 * One view per server for the HTML report, whether the report holds one run per server or several
 * rounds: the median figures with their spread, the verdict, and a representative run (the one
 * with the median p99) whose latency curve is drawn.
 */
import type { LoadReport } from './load-report.js';
import type { ScenarioResult } from './result.js';
import { spread, type Spread } from './stats.js';
import { keptUp, verdict } from './verdict.js';
import { repeatSummaryOf } from './rounds.js';

export interface ServerView {
  server: string;
  build: string;
  verdict: string;
  keptUp: string;
  deliveredPerSec: Spread | null;
  p99Ms: Spread | null;
  cpuUsPerDelivery: Spread | null;
  deliveriesPerCoreSec: Spread | null;
  rssPerConnectionBytes: Spread | null;
  /** The run whose p99 is the median of this server's runs. */
  representative: ScenarioResult;
  rounds: number;
}

export function serverViews(report: LoadReport, p99BoundMs: number): ServerView[] {
  const names = [...new Set(report.results.map((r) => r.server))];
  // Recomputed from the runs, so a report written by an older harness reads in today's words.
  const repeat = repeatSummaryOf(report.results, report.repeat);
  return names.map((server) => {
    const runs = report.results.filter((r) => r.server === server);
    const byP99 = [...runs].sort((a, b) => a.latencyMs.p99 - b.latencyMs.p99);
    const representative = byP99[(byP99.length - 1) >> 1]!;
    const summary = repeat?.servers.find((s) => s.server === server);
    return {
      server,
      build: runs.find((r) => r.serverBuild !== 'run failed')?.serverBuild ?? 'run failed',
      verdict: summary?.verdict ?? verdict(representative, p99BoundMs),
      keptUp: `${runs.filter((r) => keptUp(r, p99BoundMs)).length}/${runs.length}`,
      deliveredPerSec: spread(runs.map((r) => r.deliveredPerSec)),
      p99Ms: spread(runs.map((r) => r.latencyMs.p99)),
      cpuUsPerDelivery: spread(runs.map((r) => r.serverCpuUsPerDelivery)),
      deliveriesPerCoreSec: spread(runs.map((r) => r.deliveriesPerServerCoreSec)),
      rssPerConnectionBytes: spread(runs.map((r) => r.rssPerConnectionBytes)),
      representative,
      rounds: runs.length,
    };
  });
}
