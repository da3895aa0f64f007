/**
 * The harness against `switchboard --workers N` through the real command line (its own private
 * redis-server each run): a 2-worker fanout delivers everything and reports each worker, the
 * supervisor and Redis on their own lines, the workers adding up to the server's totals; the drain
 * scenario's clients all come back after a rolling restart (2 workers, and one worker behind the
 * supervisor), with 1012 as the only close code; a cluster compared with `switchboard-pusher` has the
 * load-test Pusher app and delivers the probe event. Behaviour only, no timing: the box is shared.
 * Without redis-server these skip, except under CI=true, where they fail (test/helpers/redis.ts).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { redisMissing } from '../helpers/redis.js';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'loadtest-cluster-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function loadtest(name: string, args: string[]): Promise<{ result: any; stdout: string }> {
  const out = join(dir, `${name}.json`);
  const { stdout } = await run(process.execPath, ['--import', 'tsx', 'loadtest/cli.ts', ...args, '--json', out, '--quiet'], { timeout: 90_000 });
  return { result: JSON.parse(readFileSync(out, 'utf8')), stdout };
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

describe('load harness on a cluster', { skip: redisMissing, timeout: 180_000 }, () => {
  it('fanout on 2 workers delivers everything; per-worker lines add up to the totals', async () => {
    const { result, stdout } = await loadtest('fanout', ['fanout', '--server-workers', '2', '--connections', '300', '--topics', '10', '--rate', '200', '--duration', '2', '--source-addresses', '2']);
    assert.equal(result.server, 'switchboard:2');
    assert.equal(result.serverWorkers, 2);
    assert.equal(result.connections, 300 + 10 + 1);
    assert.equal(result.lost, 0);
    assert.equal(result.duplicated, 0);
    assert.equal(result.outOfOrder, 0);
    assert.ok(result.delivered > 0);
    const lines = result.serverProcesses as any[];
    assert.deepEqual(lines.map((p) => p.name), ['worker 1', 'worker 2', 'supervisor', 'redis-server']);
    const workers = lines.filter((p) => p.role === 'server');
    for (const w of workers) {
      assert.ok(w.rssBytes > 0 && w.rssPeakBytes >= w.rssBytes, `${w.name} RSS`);
      assert.ok(w.connections > 0, `the kernel gave ${w.name} some of the connections`);
      assert.equal(typeof w.cpuPercent, 'number');
    }
    assert.equal(sum(workers.map((w) => w.rssBytes)), result.serverRssConnectedBytes, 'workers RSS sums to the server RSS');
    assert.equal(sum(workers.map((w) => w.connections)), result.connections, 'workers connections (/metrics) sum to the connections open');
    assert.ok(Math.abs(sum(workers.map((w) => w.cpuPercent)) - result.serverCpuPercent) <= 0.2, 'workers CPU sums to the server CPU');
    assert.ok(result.serverRssBytes >= result.serverRssConnectedBytes);
    assert.match(stdout, /^worker 1 +\d+ /m);
    assert.match(stdout, /^redis-server +\d+ /m);
    assert.match(stdout, /^workers \(2\) /m);
  });

  it('drain: a rolling restart of 2 workers, every client back with only 1012 and nothing missing', async () => {
    const { result, stdout } = await loadtest('drain-2', ['drain', '--server-workers', '2', '--connections', '200', '--topics', '4', '--probes', '4', '--rate', '50', '--duration', '1', '--server-drain-ms', '1000']);
    const d = result.drain;
    assert.equal(result.server, 'switchboard:2');
    assert.deepEqual(Object.keys(d.closeCodes), ['1012']);
    assert.deepEqual(d.drains.map((w: any) => w.worker).sort(), ['1', '2'], 'both workers drained, one after the other');
    assert.equal(d.clientsAffected, 200 + 4 + 1, 'a rolling restart moves every client at least once');
    assert.equal(d.resubscribed, d.disconnects);
    assert.equal(d.resubscribeMs.count, d.disconnects);
    assert.equal(d.notRecovered, 0);
    assert.equal(d.down, 0);
    assert.equal(d.clientsWithGap, 0);
    assert.equal(result.lost, 0);
    assert.ok(d.published.acked > 0);
    assert.equal(d.drainMs, 1000);
    assert.equal(d.everyClientRecovered, true);
    assert.match(stdout, /every client recovered +yes/);
  });

  it('drain on one server: one worker behind the supervisor, replaced without losing a client', async () => {
    const { result } = await loadtest('drain-1', ['drain', '--connections', '100', '--topics', '2', '--probes', '2', '--rate', '50', '--duration', '1', '--server-drain-ms', '500']);
    const d = result.drain;
    assert.equal(result.server, 'switchboard:1');
    assert.equal(d.drains.length, 1);
    assert.equal(d.clientsAffected, 100 + 2 + 1);
    assert.deepEqual(Object.keys(d.closeCodes), ['1012']);
    assert.equal(result.lost, 0);
    assert.equal(d.everyClientRecovered, true);
  });

  it('compare with Pusher subscribers: the cluster has the load-test Pusher app and delivers the probe event without loss', async () => {
    const { result } = await loadtest('compare-pusher', ['compare', '--servers', 'switchboard:2,switchboard-pusher', '--repeat', '1', '--connections', '40', '--topics', '2', '--rate', '200', '--duration', '1', '--probes', '4', '--drain', '5']);
    assert.match(result.load, /publications are the Pusher event/);
    assert.deepEqual(result.results.map((r: any) => r.server), ['switchboard:2', 'switchboard-pusher']);
    for (const r of result.results) {
      assert.match(r.serverBuild, /Pusher app loadtest-key/, `${r.server}: ${(r.errors ?? []).join('; ')}`);
      assert.equal(r.lost, 0, `${r.server} lost messages`);
      assert.equal(r.duplicated, 0, `${r.server} duplicated messages`);
      assert.ok(r.latencyMs.count > 0, `${r.server} recorded latency from the probe event`);
    }
  });
});
