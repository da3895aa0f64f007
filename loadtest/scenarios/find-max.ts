/**
 * `--find-max` for fanout (one server) and compare (each server): `--repeat` searches per server,
 * interleaved like compare's rounds, each probe a fresh server and generator running a short
 * fanout (`--probe-duration`, 2 s drain). The budget (`--find-max-budget`) is shared out evenly,
 * so a slow first server cannot starve the others.
 */
import { searchMaxRate, type ProbeOutcome } from './find-max-search.js';
import type { FindMaxReport, FindMaxServer, LoadReport } from '../report/load-report.js';
import type { LoadOptions } from '../options.js';
import { LIMITS } from '../options.js';
import type { ScenarioResult } from '../report/result.js';
import { roundOrder } from '../report/rounds.js';
import type { ServerSpec } from '../targets/server-under-test.js';
import { withServer } from '../run.js';
import { spread, spreadRatio } from '../report/stats.js';
import { keptUp, shortfall } from '../report/verdict.js';
import { failedResult } from './common.js';
import { describeLoad } from './compare.js';
import { machineInfo } from '../report/result.js';
import { runFanout } from './fanout.js';

// Found rates further apart than this across searches: the knee is a band, report it as such.
const KNEE_SPREAD = 1.25;
const PROBE_DRAIN_S = 2;

function outcomeOf(result: ScenarioResult, rate: number, p99BoundMs: number): ProbeOutcome {
  const ok = keptUp(result, p99BoundMs);
  return { rate, ok, reason: ok ? '' : shortfall(result, p99BoundMs), deliveredPerSec: result.deliveredPerSec, p99Ms: result.latencyMs.p99, lost: result.lost, serverCpuPercent: result.serverCpuPercent };
}

export async function runFindMax(options: LoadOptions, log: (line: string) => void): Promise<LoadReport> {
  const servers: ServerSpec[] = options.scenario === 'compare' ? options.servers : [options.server];
  const perPublication = ((options.connections + options.probes) * options.topicsPerConnection) / options.topics;
  const budgetPerSearchMs = (options.findMaxBudget * 1000) / (servers.length * options.repeat);
  const found = new Map<string, FindMaxServer>(servers.map((server) => [server, { server, serverBuild: '', searches: [], foundRate: null, foundDeliveriesPerSec: null, knee: null }]));
  const rounds: FindMaxReport['rounds'] = [];
  const startedAt = new Date().toISOString();
  for (let round = 0; round < options.repeat; round++) {
    const order = roundOrder(servers, round);
    rounds.push({ round, order });
    for (const kind of order) {
      const entry = found.get(kind)!;
      const probe = async (rate: number): Promise<ProbeOutcome> => {
        const probeOptions: LoadOptions = { ...options, scenario: 'fanout', rate, duration: options.probeDuration, drain: PROBE_DRAIN_S, quiet: true };
        const result = await withServer(probeOptions, kind, runFanout).catch((err: unknown) => failedResult(probeOptions, kind, err));
        if (entry.serverBuild === '' && result.serverBuild !== 'run failed') entry.serverBuild = result.serverBuild;
        const outcome = outcomeOf(result, rate, options.p99BoundMs);
        log(`find-max ${kind} search ${round + 1}: ${rate.toLocaleString('en-US')} msg/s → ${outcome.ok ? `ok (p99 ${outcome.p99Ms} ms)` : `fail (${outcome.reason})`}`);
        return outcome;
      };
      const search = await searchMaxRate(probe, { startRate: options.rate, maxRate: LIMITS.rate, maxProbes: options.maxProbes, deadline: Date.now() + budgetPerSearchMs });
      log(`find-max ${kind} search ${round + 1}: ${search.foundRate === null ? 'no rate passed' : `${search.foundRate.toLocaleString('en-US')} msg/s`} (${search.probes.length} probes, stopped: ${search.stoppedBy})`);
      entry.searches.push({ ...search, round });
    }
  }
  for (const entry of found.values()) {
    const rates = entry.searches.map((search) => search.foundRate);
    entry.foundRate = spread(rates);
    entry.foundDeliveriesPerSec = spread(rates.map((rate) => (rate === null ? null : Math.round(rate * perPublication))));
    const none = rates.filter((rate) => rate === null).length;
    if (none > 0 && none < rates.length) entry.knee = `no rate passed in ${none} of ${rates.length} searches`;
    else if (entry.foundRate && spreadRatio(entry.foundRate) > KNEE_SPREAD) entry.knee = `found ${entry.foundRate.min.toLocaleString('en-US')}–${entry.foundRate.max.toLocaleString('en-US')} msg/s across searches`;
  }
  return {
    scenario: options.scenario,
    load: describeLoad({ ...options, repeat: 1 }).replace(/, \d+ s per run, 1 round$/, ` (the start rate; ${options.probeDuration} s probes, ${options.repeat} searches per server)`),
    results: [],
    machine: machineInfo(),
    startedAt,
    findMax: { p99BoundMs: options.p99BoundMs, probeDurationSec: options.probeDuration, deliveriesPerPublication: perPublication, rounds, servers: [...found.values()] },
  };
}
