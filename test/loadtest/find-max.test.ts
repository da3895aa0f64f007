/**
 * find-max: the search (loadtest/scenarios/find-max-search.ts) against a fake probe with a known limit, and one
 * tiny bounded run through the CLI that must return a rate and its probe list.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { searchMaxRate, type ProbeOutcome } from '../../loadtest/scenarios/find-max-search.js';

const run = promisify(execFile);
const fake = (limit: number, seen: number[] = []) => async (rate: number): Promise<ProbeOutcome> => {
  seen.push(rate);
  return { rate, ok: rate <= limit, reason: rate <= limit ? '' : 'lost', deliveredPerSec: rate, p99Ms: 1, lost: 0, serverCpuPercent: null };
};
const far = () => Date.now() + 60_000;

describe('searchMaxRate', () => {
  it('ramps by doubling, then bisects to within the precision', async () => {
    const seen: number[] = [];
    const result = await searchMaxRate(fake(3000, seen), { startRate: 500, maxRate: 1e6, maxProbes: 30, precision: 0.1, deadline: far() });
    assert.deepEqual(seen.slice(0, 5), [500, 1000, 2000, 4000, 4000], 'doubling, and a failing rate is probed again');
    assert.equal(result.stoppedBy, 'converged');
    assert.ok(result.foundRate! <= 3000 && result.foundRate! >= 3000 / 1.1, `found ${result.foundRate}`);
    assert.ok(result.failedRate! > 3000 && result.failedRate! <= result.foundRate! * 1.1);
    assert.equal(result.probes.length, seen.length);
  });

  it('ramps down when the start rate already fails, and reports none when nothing passes', async () => {
    const down = await searchMaxRate(fake(300), { startRate: 1000, maxRate: 1e6, maxProbes: 30, deadline: far() });
    assert.ok(down.foundRate! <= 300 && down.foundRate! > 250);
    const none = await searchMaxRate(fake(0), { startRate: 8, maxRate: 1e6, maxProbes: 30, deadline: far() });
    assert.equal(none.foundRate, null);
    assert.equal(none.stoppedBy, 'min-rate');
  });

  it('does not believe one failing probe: a pass on the retry counts', async () => {
    let calls = 0;
    const flaky = async (rate: number): Promise<ProbeOutcome> => {
      calls++;
      const ok = rate <= 1000 && calls !== 2; // the second probe (1,000 msg/s) hits a neighbour's burst
      return { rate, ok, reason: ok ? '' : 'p99', deliveredPerSec: rate, p99Ms: 1, lost: 0, serverCpuPercent: null };
    };
    const result = await searchMaxRate(flaky, { startRate: 500, maxRate: 1e6, maxProbes: 30, deadline: far() });
    assert.deepEqual(result.probes.slice(0, 3).map((p) => [p.rate, p.ok, p.retry === true]), [[500, true, false], [1000, false, false], [1000, true, true]]);
    assert.ok(result.foundRate! >= 1000 / 1.1 && result.foundRate! <= 1000);
    const once = await searchMaxRate(fake(300), { startRate: 1000, maxRate: 1e6, maxProbes: 30, retryFailures: 0, deadline: far() });
    assert.equal(once.probes.filter((p) => p.retry).length, 0);
  });

  it('stops by itself at its probe count, its deadline and its maximum rate', async () => {
    assert.equal((await searchMaxRate(fake(1e9), { startRate: 1, maxRate: 1e9, maxProbes: 3, deadline: far() })).stoppedBy, 'max-probes');
    assert.equal((await searchMaxRate(fake(1e9), { startRate: 1, maxRate: 1e9, maxProbes: 30, deadline: Date.now() - 1 })).probes.length, 0);
    const capped = await searchMaxRate(fake(1e9), { startRate: 1000, maxRate: 3000, maxProbes: 30, deadline: far() });
    assert.equal(capped.stoppedBy, 'max-rate');
    assert.equal(capped.foundRate, 3000);
  });
});

describe('--find-max through the CLI', { timeout: 60_000 }, () => {
  it('returns a found rate and the probes it took, on a tiny bounded run', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'loadtest-findmax-')), 'f.json');
    await run(process.execPath, ['--import', 'tsx', 'loadtest/cli.ts', 'fanout', '--find-max', '--repeat', '1', '--connections', '20', '--probes', '2', '--topics', '1', '--rate', '50', '--probe-duration', '1', '--max-probes', '2', '--p99-bound', '60000', '--json', out, '--quiet'], { timeout: 50_000 });
    const report = JSON.parse(readFileSync(out, 'utf8'));
    const [server] = report.findMax.servers;
    assert.equal(server.server, 'switchboard');
    const [search] = server.searches;
    // A p99 bound of a minute: this checks the mechanics, never the timing of a shared box.
    assert.deepEqual(search.probes.map((p: ProbeOutcome) => [p.rate, p.ok]), [[50, true], [100, true]], 'start rate, then doubled');
    assert.equal(search.stoppedBy, 'max-probes');
    assert.equal(search.foundRate, 100);
    assert.equal(server.foundRate.median, search.foundRate);
    assert.equal(report.findMax.deliveriesPerPublication, 22);
  });
});
