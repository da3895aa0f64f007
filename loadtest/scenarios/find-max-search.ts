/**
 * `--find-max`: the highest publish rate a server sustains (zero loss, p99 under the bound, the
 * publisher on schedule), found by probing: double the rate from the start rate until a probe
 * fails, then bisect between the last pass and the first fail until they are within `precision`.
 * A failing rate is probed again before it counts (`retryFailures`).
 * Each probe is a short bounded run supplied by the caller, so this file is pure search and is
 * tested with a fake probe. The search stops by itself: at `maxProbes`, at its deadline, or at
 * `maxRate`.
 */

/** What one probe at one rate found. */
export interface ProbeOutcome {
  /** Offered publish rate, msg/s. */
  rate: number;
  ok: boolean;
  /** Why it failed ("" when ok). */
  reason: string;
  /** True for a repeat of the probe before it, at the same rate (see retryFailures). */
  retry?: boolean;
  deliveredPerSec: number;
  p99Ms: number;
  lost: number;
  serverCpuPercent: number | null;
}

export interface SearchLimits {
  /** First rate probed, msg/s. */
  startRate: number;
  /** Never probe above this, msg/s. */
  maxRate: number;
  /** Never probe below this, msg/s: a server failing here has no rate to report. @default 1 */
  minRate?: number;
  /** Most probes in one search. */
  maxProbes: number;
  /** Stop bisecting once the failing rate is within this fraction above the passing one. @default 0.1 */
  precision?: number;
  /** Stop (with what is known) once Date.now() passes this. */
  deadline: number;
  /**
   * Probes a failing rate this many more times before believing it; any pass wins. A pass is
   * evidence the server sustained the rate; a fail may be a neighbour's burst on a shared box,
   * and one false fail early in the ramp would pin the result far below the knee. @default 1
   */
  retryFailures?: number;
}

export type StopReason = 'converged' | 'max-probes' | 'deadline' | 'max-rate' | 'min-rate';

export interface SearchResult {
  /** Highest passing rate, msg/s; null when no probe passed. */
  foundRate: number | null;
  /** Lowest failing rate above it, msg/s; null when none failed. */
  failedRate: number | null;
  probes: ProbeOutcome[];
  stoppedBy: StopReason;
}

/** Runs the search; `probe` runs one bounded load at `rate` msg/s. */
export async function searchMaxRate(probe: (rate: number) => Promise<ProbeOutcome>, limits: SearchLimits, now: () => number = Date.now): Promise<SearchResult> {
  const precision = limits.precision ?? 0.1;
  const minRate = Math.max(1, limits.minRate ?? 1);
  const probes: ProbeOutcome[] = [];
  let pass: number | null = null;
  let fail: number | null = null;
  const done = (stoppedBy: StopReason): SearchResult => ({ foundRate: pass, failedRate: fail, probes, stoppedBy });
  let rate = Math.min(Math.max(limits.startRate, minRate), limits.maxRate);
  for (;;) {
    if (probes.length >= limits.maxProbes) return done('max-probes');
    if (now() >= limits.deadline) return done('deadline');
    let outcome = await probe(rate);
    probes.push(outcome);
    for (let retry = 0; !outcome.ok && retry < (limits.retryFailures ?? 1) && probes.length < limits.maxProbes && now() < limits.deadline; retry++) {
      outcome = { ...(await probe(rate)), retry: true };
      probes.push(outcome);
    }
    if (outcome.ok) pass = Math.max(pass ?? 0, rate);
    else fail = Math.min(fail ?? Number.POSITIVE_INFINITY, rate);
    if (fail === null) {
      // Ramp up: no failure seen yet.
      if (rate >= limits.maxRate) return done('max-rate');
      rate = Math.min(rate * 2, limits.maxRate);
    } else if (pass === null) {
      // Ramp down: nothing passed yet.
      if (rate <= minRate) return done('min-rate');
      rate = Math.max(Math.floor(rate / 2), minRate);
    } else {
      if (fail <= pass * (1 + precision) || fail - pass <= 1) return done('converged');
      rate = Math.round((pass + fail) / 2);
    }
  }
}
