/**
 * The drain scenario's findings, from the generator workers' reconnect reports and the
 * supervisor's events: per drained worker how long its drain took and how many clients it moved,
 * which close codes clients saw (1012 is the drain; anything else is a finding), how long each
 * client took from its close to being subscribed again, and whether every client recovered without
 * a gap. Pure: the scenario collects, this adds up (test/loadtest/drain-summary.test.ts).
 */
import { mergeHistograms, summarise, type LatencySummary } from '../generator/histogram.js';
import type { ReconnectReport } from '../generator/ipc.js';
import type { ClusterEvent } from '../targets/server-under-test.js';

/** 1012 SERVICE_RESTART, the only close code a drain should show. */
const SERVICE_RESTART = '1012';

/** One worker's drain, as the clients and the supervisor saw it. Times are ms after the trigger. */
export interface WorkerDrain {
  /** Worker slot. */
  worker: string;
  /** Its pid, from the supervisor's exit line (null when it did not exit during the run). */
  pid: number | null;
  /** Distinct clients it closed, and closes (a client closes once per drain). */
  clients: number;
  closes: number;
  firstCloseMs: number;
  lastCloseMs: number;
  /** When the supervisor reported it exited; null if not seen. */
  exitedMs: number | null;
  /** First close seen → last close seen. */
  durationMs: number;
  /** First close seen → the worker exited (null if not seen). */
  untilExitMs: number | null;
}

/** The counters of every generator worker's ReconnectReport, summed into the drain's. */
const COUNTS = ['disconnects', 'clientsAffected', 'resubscribed', 'notRecovered', 'down', 'redialFailures', 'clientsWithGap'] as const;
type ReconnectCounts = Pick<ReconnectReport, (typeof COUNTS)[number]>;

/** A drain, over every generator worker; the counters mean what they mean in ReconnectReport, summed. */
export interface DrainSummary extends ReconnectCounts {
  /** What was done: `SIGHUP to the supervisor (rolling restart of N workers)` or `SIGTERM to worker N (pid P)`. */
  trigger: string;
  /** The workers' drain window (`--drain-ms`), ms. */
  drainMs: number;
  workers: number;
  drains: WorkerDrain[];
  /** Close code → count over every client. */
  closeCodes: Record<string, number>;
  /** The close codes other than 1012 (empty when the drain behaved). */
  unexpectedCloseCodes: Record<string, number>;
  /** Close → subscribed again (replay included), per disconnect, ms. */
  resubscribeMs: LatencySummary;
  /** Publications the server acknowledged, and sent but never acknowledged (in flight at a close). */
  published: { acked: number; unacked: number };
  /**
   * True when every disconnect was a 1012, every one ended resubscribed with `recovered: true`,
   * no client has a gap and nothing was lost.
   */
  everyClientRecovered: boolean;
}

export interface DrainInputs {
  trigger: string;
  drainMs: number;
  workers: number;
  /** Monotonic µs when the signal was sent. */
  triggeredUs: number;
  reports: readonly ReconnectReport[];
  /** The supervisor's events from the trigger on. */
  events: readonly ClusterEvent[];
  /** Loss over every subscription (tallyLoss, acknowledged publications as the published count). */
  lost: number;
}

const ms = (us: number) => Math.round(us / 100) / 10;

/** Adds the reports up. */
export function summariseDrain(input: DrainInputs): DrainSummary {
  const closeCodes: Record<string, number> = {};
  const byWorker = new Map<string, { clients: number; closes: number; firstUs: number; lastUs: number }>();
  const counts = Object.fromEntries(COUNTS.map((name) => [name, 0])) as unknown as ReconnectCounts;
  let acked = 0;
  let unacked = 0;
  for (const r of input.reports) {
    for (const [code, count] of Object.entries(r.closeCodes)) closeCodes[code] = (closeCodes[code] ?? 0) + count;
    for (const [worker, w] of Object.entries(r.byWorker)) {
      const sum = byWorker.get(worker);
      if (sum === undefined) byWorker.set(worker, { ...w });
      else {
        sum.clients += w.clients;
        sum.closes += w.closes;
        sum.firstUs = Math.min(sum.firstUs, w.firstUs);
        sum.lastUs = Math.max(sum.lastUs, w.lastUs);
      }
    }
    for (const name of COUNTS) counts[name] += r[name];
    acked += r.ackedPerTopic.reduce((sum, n) => sum + n, 0);
    unacked += r.unacked;
  }
  const drains = [...byWorker.entries()]
    .map(([worker, w]): WorkerDrain => {
      const exit = input.events.find((e) => (e.type === 'exited' || e.type === 'died') && e.worker === worker);
      const exitedMs = exit === undefined ? null : ms(exit.atUs - input.triggeredUs);
      return {
        worker,
        pid: exit?.pid ?? null,
        clients: w.clients,
        closes: w.closes,
        firstCloseMs: ms(w.firstUs - input.triggeredUs),
        lastCloseMs: ms(w.lastUs - input.triggeredUs),
        exitedMs,
        durationMs: ms(w.lastUs - w.firstUs),
        untilExitMs: exit === undefined ? null : ms(exit.atUs - w.firstUs),
      };
    })
    .sort((a, b) => a.firstCloseMs - b.firstCloseMs);
  const unexpectedCloseCodes = Object.fromEntries(Object.entries(closeCodes).filter(([code]) => code !== SERVICE_RESTART));
  const resubscribeMs = summarise(mergeHistograms(input.reports.map((r) => r.resubscribeHistogram)));
  return {
    trigger: input.trigger,
    drainMs: input.drainMs,
    workers: input.workers,
    drains,
    ...counts,
    closeCodes,
    unexpectedCloseCodes,
    resubscribeMs,
    published: { acked, unacked },
    everyClientRecovered:
      counts.disconnects > 0 &&
      Object.keys(unexpectedCloseCodes).length === 0 &&
      counts.resubscribed === counts.disconnects &&
      counts.notRecovered === 0 &&
      counts.down === 0 &&
      counts.clientsWithGap === 0 &&
      input.lost === 0,
  };
}
