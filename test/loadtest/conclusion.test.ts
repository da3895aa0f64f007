/**
 * The one-line conclusion that heads the text output and the HTML report
 * (loadtest/report/conclusion.ts), on fixed result fixtures: a compare where Switchboard kept up
 * with the relay over two rounds, one where it fell behind in a single round (with bare uWS also in
 * the list, so the relay must still be the baseline), a find-max report, and single runs.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { pickBaseline } from '../../loadtest/report/baseline.js';
import { conclusion, runConclusion } from '../../loadtest/report/conclusion.js';
import type { LoadReport } from '../../loadtest/report/load-report.js';
import type { ScenarioResult } from '../../loadtest/report/result.js';
import { median } from '../../loadtest/report/stats.js';

const load = (name: string) => JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')) as LoadReport;
const keptUp = load('compare-report.json');
const behind = load('compare-behind-report.json');
const int = (value: number) => Math.round(value).toLocaleString('en-US');

/** Median over rounds of switchboard's figure ÷ the relay's, same round. */
function ratio(report: LoadReport, read: (r: ScenarioResult) => number): number {
  const rounds = [...new Set(report.results.map((r) => r.round ?? 0))];
  return median(rounds.map((round) => {
    const of = (server: string) => read(report.results.find((r) => r.server === server && (r.round ?? 0) === round)!);
    return of('switchboard') / of('relay');
  }));
}

describe('pickBaseline', () => {
  it('takes the relay, else bare uWS, else the first server', () => {
    assert.equal(pickBaseline(['switchboard', 'uws', 'relay', 'ws']), 'relay');
    assert.equal(pickBaseline(['switchboard', 'uws', 'ws']), 'uws');
    assert.equal(pickBaseline(['switchboard:1', 'switchboard:2']), 'switchboard:1');
  });
});

describe('conclusion', () => {
  it('says Switchboard kept up with the relay, with the ratios against the relay', () => {
    const line = conclusion(keptUp);
    const p99 = ratio(keptUp, (r) => r.latencyMs.p99).toFixed(2);
    const cpu = ratio(keptUp, (r) => r.serverCpuUsPerDelivery!).toFixed(2);
    const delivered = int(median(keptUp.results.filter((r) => r.server === 'switchboard').map((r) => r.deliveredPerSec)));
    assert.equal(line, `switchboard kept up with the relay: ${delivered} deliveries/s, p99 ${p99}x the relay's, server CPU per delivery ${cpu}x (medians of 2 rounds)`);
  });

  it('says where Switchboard fell behind and how much was lost, against the relay (not bare uWS)', () => {
    const line = conclusion(behind);
    const sb = behind.results.find((r) => r.server === 'switchboard')!;
    assert.match(line, new RegExp(`^switchboard fell behind at 505,000 deliveries/s offered \\(${int(sb.deliveredPerSec)}/s delivered in the window\\): ${int(sb.lost)} lost, p99 1,840 ms`));
    assert.match(line, /server out of CPU; the relay kept up \(one round\)$/);
    assert.doesNotMatch(line, /kept up with/);
  });

  it('gives no verdict for a pair on the knee', () => {
    const mixed = structuredClone(keptUp);
    const second = mixed.results.find((r) => r.server === 'switchboard' && r.round === 1)!;
    second.lost = 5000;
    assert.match(conclusion(mixed), /^no verdict: switchboard kept up in 1 of 2 rounds/);
  });

  it('reports find-max as the highest sustained rate, and the band when searches disagree', () => {
    const findMax: LoadReport = { scenario: 'compare', results: [], findMax: keptUp.findMax! };
    assert.equal(conclusion(findMax), 'switchboard sustained at most 522,500 deliveries/s (median of 2 searches, 385,000–660,000); the searches disagree (found 3,500–6,000 msg/s across searches): the limit is a band, not a line');
  });

  it('concludes a single run: kept up, or fell behind with what was lost', () => {
    const relay = keptUp.results.find((r) => r.server === 'relay')!;
    assert.match(runConclusion({ ...relay, scenario: 'fanout' }), /^relay kept up: [\d,]+ deliveries\/s, p99 [\d.]+ ms, nothing lost \(one run\)$/);
    const sb = behind.results.find((r) => r.server === 'switchboard')!;
    assert.match(runConclusion({ ...sb, scenario: 'fanout' }), /^switchboard fell behind at 505,000 deliveries\/s offered \(380,881\/s delivered in the window\): 50,000 lost, p99 1840 ms > 50 ms; server out of CPU \(a full core\) \(one run\)$/);
    assert.match(conclusion({ scenario: 'drain', results: load('drain-report.json').results }), /^every client recovered from SIGHUP to the supervisor/);
    const capacity = { ...relay, scenario: 'capacity', capacity: { target: 10_000, maxConnections: 9_800, alive: 9_750, heartbeatsPublished: 100, rssSeries: [] } };
    assert.equal(runConclusion(capacity), 'relay held 9,800 of 10,000 connections at once; 9,750 heard the heartbeat on every topic');
    const rpc = { ...relay, scenario: 'rpc', rpc: { sent: 1000, answered: 990, failed: 10 } };
    assert.match(runConclusion(rpc), /^relay answered 990 of 1,000 calls \(10 failed\), p99 round trip [\d.]+ ms$/);
  });
});
