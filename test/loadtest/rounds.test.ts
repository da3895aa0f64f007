/**
 * --repeat: the rotation of servers over rounds, and the medians, per-round ratios and knee
 * verdict computed from fixture results (loadtest/report/rounds.ts); then a small compare through the CLI
 * that must record the interleaved order in its JSON.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { ScenarioResult } from '../../loadtest/report/result.js';
import { roundOrder, summariseRounds } from '../../loadtest/report/rounds.js';
import { median, spread } from '../../loadtest/report/stats.js';

const run = promisify(execFile);

/** The fields the summary reads; the rest of a ScenarioResult does not matter here. */
function result(server: string, round: number, position: number, delivered: number, p99: number, cpuUs: number, lost = 0): ScenarioResult {
  return {
    server, round, roundPosition: position, serverBuild: server, deliveredPerSec: delivered, latencyMs: { count: 1, p50: p99 / 2, p90: p99, p99, p999: p99, max: p99, mean: p99 },
    lost, serverCpuPercent: 40 + position * 10 + round, serverCpuUsPerDelivery: cpuUs, deliveriesPerServerCoreSec: 1e6 / cpuUs, serverRssBytes: 1, rssPerConnectionBytes: null, machineCpuPercent: 150,
    params: { rate: 1000 }, offeredPerSec: 1000, bottleneck: 'none', errors: [],
  } as unknown as ScenarioResult;
}

describe('roundOrder', () => {
  it('rotates the servers by one each round', () => {
    assert.deepEqual(roundOrder(['a', 'b'], 0), ['a', 'b']);
    assert.deepEqual(roundOrder(['a', 'b'], 1), ['b', 'a']);
    assert.deepEqual([0, 1, 2, 3].map((r) => roundOrder(['a', 'b', 'c'], r).join('')), ['abc', 'bca', 'cab', 'abc']);
  });
});

describe('median and spread', () => {
  it('takes the middle (the mean of the middle two for an even count) and skips unknowns', () => {
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 3, 2]), 2.5);
    assert.deepEqual(spread([5, null, 1, 3]), { min: 1, median: 3, max: 5, n: 3 });
    assert.equal(spread([null, undefined]), null);
  });
});

describe('summariseRounds', () => {
  const results = [
    result('a', 0, 0, 1000, 10, 2), result('b', 0, 1, 1000, 20, 1),
    result('b', 1, 0, 1000, 12, 1.5), result('a', 1, 1, 1000, 6, 3),
    result('a', 2, 0, 1000, 8, 2.5), result('b', 2, 1, 1000, 8, 1),
  ];

  it('reports medians and the median of per-round ratios against the first server', () => {
    const summary = summariseRounds(results, ['a', 'b'], 50);
    assert.equal(summary.baseline, 'a');
    assert.deepEqual(summary.rounds.map((r) => r.order), [['a', 'b'], ['b', 'a'], ['a', 'b']]);
    const [a, b] = summary.servers;
    assert.deepEqual(a!.figures.p99Ms, { min: 6, median: 8, max: 10, n: 3 });
    assert.equal(a!.ratios, null, 'no ratio for the baseline');
    // Per-round p99 ratios b/a: 20/10 = 2, 12/6 = 2, 8/8 = 1 → median 2 (the ratio of medians would be 12/8 = 1.5).
    assert.deepEqual(b!.ratios!.p99Ms, { min: 1, median: 2, max: 2, n: 3 });
    // CPU per delivery b/a: 0.5, 0.5, 0.4 → median 0.5.
    assert.equal(b!.ratios!.serverCpuUsPerDelivery!.median, 0.5);
    assert.equal(summary.knee, null);
    assert.equal(b!.keptUp, 3);
  });

  it('takes the ratios against the relay, else bare uWS, wherever it is in the list', () => {
    const named = results.map((r) => result(r.server === 'a' ? 'switchboard' : 'relay', r.round!, r.roundPosition!, r.deliveredPerSec, r.latencyMs.p99, r.serverCpuUsPerDelivery!));
    const summary = summariseRounds(named, ['switchboard', 'relay'], 50);
    assert.equal(summary.baseline, 'relay');
    const [sb, relay] = summary.servers;
    assert.equal(relay!.ratios, null, 'no ratio for the baseline');
    // Per-round p99 ratios switchboard/relay: 10/20, 6/12, 8/8 → median 0.5.
    assert.deepEqual(sb!.ratios!.p99Ms, { min: 0.5, median: 0.5, max: 1, n: 3 });
  });

  it('says "on the knee" when a server keeps up in some rounds and not others', () => {
    const mixed = [...results.slice(0, 5), result('b', 2, 1, 600, 4200, 1, 90_000)];
    const summary = summariseRounds(mixed, ['a', 'b'], 50);
    assert.match(summary.knee!, /^on the knee: results not comparable/);
    assert.match(summary.servers[1]!.knee!, /kept up in 2 of 3 rounds/);
    assert.equal(summary.servers[0]!.knee, null);
    assert.equal(summary.servers[1]!.verdict, 'kept up', 'the most common kind of verdict, whatever the CPU figure in each');
  });

  it('does not call a server that fails every round the knee', () => {
    const overloaded = results.map((r) => (r.server === 'b' ? result('b', r.round!, r.roundPosition!, 400, 4000, 1, 1000) : r));
    const summary = summariseRounds(overloaded, ['a', 'b'], 50);
    assert.equal(summary.knee, null);
    assert.equal(summary.servers[1]!.keptUp, 0);
  });
});

describe('compare --repeat through the CLI', { timeout: 60_000 }, () => {
  it('interleaves the servers and records the order of every round', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'loadtest-rounds-')), 'c.json');
    await run(process.execPath, ['--import', 'tsx', 'loadtest/cli.ts', 'compare', '--servers', 'relay,switchboard', '--repeat', '2', '--connections', '20', '--probes', '2', '--topics', '2', '--rate', '100', '--duration', '1', '--drain', '2', '--json', out, '--quiet'], { timeout: 50_000 });
    const report = JSON.parse(readFileSync(out, 'utf8'));
    assert.deepEqual(report.repeat.rounds, [{ round: 0, order: ['relay', 'switchboard'] }, { round: 1, order: ['switchboard', 'relay'] }]);
    assert.deepEqual(report.results.map((r: ScenarioResult) => `${r.round}:${r.server}`), ['0:relay', '0:switchboard', '1:switchboard', '1:relay']);
    assert.equal(report.repeat.baseline, 'relay');
    for (const r of report.results) {
      assert.equal(r.lost, 0, `${r.server} round ${r.round} lost messages`);
      assert.equal(typeof r.serverCpuUsPerDelivery, 'number', 'efficiency in every result');
      // 22 subscriptions (20 subscribers + 2 probes) over 2 topics: each publication is due to 11.
      assert.equal(r.deliveriesDue, r.published * 11, `${r.server} round ${r.round}: deliveries due`);
      // Every due delivery arrived (in the window or late) or is counted lost. More is possible on a
      // busy box: a warm-up straggler arriving in the window counts there (the report says so).
      assert.ok(r.delivered + r.deliveredLate + r.lost >= r.deliveriesDue, `${r.server} round ${r.round}: ${r.delivered} in the window + ${r.deliveredLate} late + ${r.lost} lost < ${r.deliveriesDue} due`);
    }
    const sb = report.repeat.servers.find((s: { server: string }) => s.server === 'switchboard');
    assert.equal(sb.figures.deliveredPerSec.n, 2);
    assert.equal(sb.ratios.deliveredPerSec.n, 2);
  });
});
