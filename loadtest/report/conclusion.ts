/**
 * The one line a reader wants before any table: did the server keep up, compared with what, at
 * what rate and cost; or where it fell behind and how. Pure: drawn from the report alone, so the
 * same line heads the text output and the HTML report (test/loadtest/conclusion.test.ts).
 */
import { arrivals } from './arrivals.js';
import { baselineName, baselines, pickBaseline } from './baseline.js';
import type { FindMaxReport, LoadReport } from './load-report.js';
import type { ScenarioResult } from './result.js';
import { repeatSummaryOf, type RepeatSummary, type ServerRounds } from './rounds.js';
import { median } from './stats.js';
import { DEFAULT_P99_BOUND_MS, keptUp, shortfall, verdict } from './verdict.js';

const int = (value: number) => Math.round(value).toLocaleString('en-US');
const ms = (value: number) => Number(value.toPrecision(3)).toLocaleString('en-US');
const times = (value: number) => `${value.toFixed(2)}x`;

/** The conclusion of a whole report: compare's, the single run's, or (no runs of its own) find-max's. */
export function conclusion(report: LoadReport, p99BoundMs = DEFAULT_P99_BOUND_MS): string {
  if (report.findMax !== undefined && report.results.length === 0) return findMaxConclusion(report.findMax);
  const summary = repeatSummaryOf(report.results, report.repeat);
  if (summary !== undefined && summary.servers.length > 1) return compareConclusion(summary, report.results);
  const only = report.results[0];
  return only === undefined ? 'no result: nothing ran' : runConclusion(only, report.repeat?.p99BoundMs ?? p99BoundMs);
}

/** Deliveries per second the publisher offered in a run: publications/s × subscriptions per topic. */
export function offeredDeliveriesPerSec(r: ScenarioResult): number {
  const a = arrivals(r);
  if (a !== null && r.durationSec > 0) return a.due / r.durationSec;
  const p = r.params;
  const perTopic = ((Number(p.connections ?? 0) + Number(p.probes ?? 0)) * Number(p.topicsPerConnection ?? 1)) / Number(p.topics || 1);
  return r.offeredPerSec * perTopic;
}

const allRounds = (s: ServerRounds) => s.rounds > 0 && s.keptUp === s.rounds;

/** What a server's rounds fell short by, from the medians: loss, latency, and what ran out. */
function roundsShortfall(s: ServerRounds, p99BoundMs: number): string {
  const parts: string[] = [];
  const lost = s.figures.lost?.median ?? 0;
  const p99 = s.figures.p99Ms?.median ?? 0;
  if (lost > 0) parts.push(`${int(lost)} lost`);
  if (p99 > p99BoundMs) parts.push(`p99 ${ms(p99)} ms (the bound is ${p99BoundMs} ms)`);
  if (parts.length === 0) parts.push('the publisher fell off its schedule or connections failed');
  return `${parts.join(', ')}; ${s.verdict}`;
}

function compareConclusion(summary: RepeatSummary, results: readonly ScenarioResult[]): string {
  const base = summary.servers.find((s) => s.server === summary.baseline)!;
  const subject = summary.servers.find((s) => s.server !== summary.baseline)!;
  const B = baselineName(base.server);
  const S = subject.server;
  const over = subject.rounds > 1 ? ` (medians of ${subject.rounds} rounds)` : ' (one round)';
  const runs = results.filter((r) => r.server === S && r.serverBuild !== 'run failed');
  if (runs.length === 0) return `${S}: the run failed (${results.find((r) => r.server === S)?.errors[0] ?? 'no result'})`;
  const onKnee = [subject, base].filter((s) => s.knee !== null);
  if (onKnee.length > 0) {
    return `no verdict: ${onKnee.map((s) => `${s.server} ${s.knee}`).join('; ')}, so one run of it is a coin toss: this load sits at its limit`;
  }
  const offered = median(runs.map(offeredDeliveriesPerSec));
  if (allRounds(subject)) {
    const delivered = subject.figures.deliveredPerSec?.median ?? 0;
    if (!allRounds(base)) return `${S} kept up at ${int(delivered)} deliveries/s (p99 ${ms(subject.figures.p99Ms?.median ?? 0)} ms) where ${B} fell behind: ${roundsShortfall(base, summary.p99BoundMs)}${over}`;
    const ratios = [
      subject.ratios?.p99Ms ? `p99 ${times(subject.ratios.p99Ms.median)} ${baselines(base.server)}` : `p99 ${ms(subject.figures.p99Ms?.median ?? 0)} ms`,
      subject.ratios?.serverCpuUsPerDelivery ? `server CPU per delivery ${times(subject.ratios.serverCpuUsPerDelivery.median)}` : null,
    ].filter((part) => part !== null);
    return `${S} kept up with ${B}: ${int(delivered)} deliveries/s, ${ratios.join(', ')}${over}`;
  }
  const delivered = subject.figures.deliveredPerSec === null ? '' : ` (${int(subject.figures.deliveredPerSec.median)}/s delivered in the window)`;
  return `${S} fell behind at ${int(offered)} deliveries/s offered${delivered}: ${roundsShortfall(subject, summary.p99BoundMs)}; ${B} ${allRounds(base) ? 'kept up' : 'fell behind too'}${over}`;
}

/** One run of any scenario, in a line. */
export function runConclusion(r: ScenarioResult, p99BoundMs = DEFAULT_P99_BOUND_MS): string {
  if (r.serverBuild === 'run failed') return `${r.server}: the run failed (${r.errors[0] ?? 'no detail'})`;
  if (r.drain !== undefined) {
    const d = r.drain;
    const how = `${int(d.clientsAffected)} clients moved, close → resubscribed p99 ${ms(d.resubscribeMs.p99)} ms, ${int(r.lost)} lost`;
    return d.everyClientRecovered ? `every client recovered from ${d.trigger}: ${how}` : `not every client recovered from ${d.trigger}: ${how}, ${int(d.clientsWithGap)} with a gap, ${int(d.down)} still down`;
  }
  if (r.capacity !== undefined) {
    const c = r.capacity;
    return `${r.server} held ${int(c.maxConnections)} of ${int(c.target)} connections at once; ${int(c.alive)} heard the heartbeat on every topic`;
  }
  if (r.rpc !== undefined) return `${r.server} answered ${int(r.rpc.answered)} of ${int(r.rpc.sent)} calls (${int(r.rpc.failed)} failed), p99 round trip ${ms(r.latencyMs.p99)} ms`;
  if (r.http !== undefined) {
    return `${r.server} answered ${int(r.http.requests)} publish requests (${int(r.http.requestsPerSec)}/s, ${int(r.http.non2xx)} not 2xx); subscribers: ${int(r.delivered)} arrived in the window, ${int(r.lost)} lost, p99 ${ms(r.latencyMs.p99)} ms`;
  }
  if (keptUp(r, p99BoundMs)) return `${r.server} kept up: ${int(r.deliveredPerSec)} deliveries/s, p99 ${ms(r.latencyMs.p99)} ms, nothing lost (one run)`;
  const cause = verdict(r, p99BoundMs).split(':')[0];
  return `${r.server} fell behind at ${int(offeredDeliveriesPerSec(r))} deliveries/s offered (${int(r.deliveredPerSec)}/s delivered in the window): ${shortfall(r, p99BoundMs)}; ${cause} (one run)`;
}

function findMaxConclusion(fm: FindMaxReport): string {
  const names = fm.servers.map((s) => s.server);
  const base = fm.servers.find((s) => s.server === pickBaseline(names));
  const subject = fm.servers.find((s) => s !== base) ?? base;
  if (subject === undefined) return 'no result: nothing was searched';
  const n = subject.searches.length;
  const found = subject.foundDeliveriesPerSec;
  if (found === null) return `${subject.server}: no rate passed in any of ${n} searches (no loss, p99 ≤ ${fm.p99BoundMs} ms, publisher on schedule)`;
  const range = found.n > 1 && found.min !== found.max ? `, ${int(found.min)}–${int(found.max)}` : '';
  const parts = [`${subject.server} sustained at most ${int(found.median)} deliveries/s (median of ${n} search${n === 1 ? '' : 'es'}${range})`];
  if (base !== undefined && base !== subject && base.foundDeliveriesPerSec !== null) {
    parts.push(`${times(found.median / base.foundDeliveriesPerSec.median)} ${baselines(base.server)} ${int(base.foundDeliveriesPerSec.median)}`);
  }
  const line = parts.join(', ');
  return subject.knee === null ? line : `${line}; the searches disagree (${subject.knee}): the limit is a band, not a line`;
}

/** How a conclusion reads at a glance: kept up (or recovered, or a found rate), fell behind, or no verdict. */
export function conclusionTone(line: string): 'kept' | 'behind' | 'knee' {
  if (line.startsWith('no verdict')) return 'knee';
  const head = line.split(':')[0]!;
  return /^\S+ (kept up|sustained)|^every client recovered/.test(head) ? 'kept' : 'behind';
}
