/**
 * CI smoke run of the load-test harness: a few hundred connections for a couple of seconds, run
 * through the real command line, asserting zero loss and a well-formed JSON result. No timing
 * assertions: this box is shared and small; docs/benchmarks.md holds the numbers.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { promisify } from 'node:util';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'loadtest-smoke-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function loadtest(args: string[]): Promise<any> {
  const out = join(dir, `${args[0]}.json`);
  await run(process.execPath, ['--import', 'tsx', 'loadtest/cli.ts', ...args, '--json', out, '--quiet'], { timeout: 60_000 });
  return JSON.parse(readFileSync(out, 'utf8'));
}

function assertWellFormed(result: any): void {
  for (const key of ['scenario', 'server', 'connections', 'deliveredPerSec', 'latencyMs', 'lost', 'duplicated', 'serverRssBytes', 'rssPerConnectionBytes', 'serverCpuUsPerDelivery', 'deliveriesPerServerCoreSec']) {
    assert.ok(key in result, `result has ${key}`);
  }
  for (const key of ['p50', 'p90', 'p99', 'p999', 'max']) assert.equal(typeof result.latencyMs[key], 'number', `latencyMs.${key}`);
  assert.equal(typeof result.serverRssBytes, 'number');
}

describe('load-test harness smoke run', { timeout: 90_000 }, () => {
  it('fanout: 300 subscribers over 2 worker processes and 2 source addresses, no loss', async () => {
    const result = await loadtest(['fanout', '--connections', '300', '--workers', '2', '--topics', '10', '--rate', '500', '--duration', '2', '--drain', '5', '--source-addresses', '2']);
    assertWellFormed(result);
    assert.equal(result.scenario, 'fanout');
    assert.equal(result.connections, 300 + 10 + 1);
    assert.equal(result.lost, 0);
    assert.equal(result.duplicated, 0);
    assert.equal(result.outOfOrder, 0);
    assert.ok(result.delivered > 0);
    assert.ok(result.latencyMs.count > 0, 'probes recorded latency');
  });

  it('compare: every peer speaks the protocol subset without loss', async () => {
    const servers = ['switchboard', 'uws', 'relay', 'ws', 'socketio'];
    const output = await loadtest(['compare', '--servers', servers.join(','), '--repeat', '1', '--connections', '40', '--topics', '4', '--rate', '200', '--duration', '1', '--probes', '4', '--drain', '5']);
    assert.deepEqual(output.results.map((r: any) => r.server), servers);
    for (const result of output.results) {
      assertWellFormed(result);
      assert.equal(result.lost, 0, `${result.server} lost messages`);
      assert.equal(result.duplicated, 0, `${result.server} duplicated messages`);
      assert.ok(result.delivered > 0, `${result.server} delivered`);
    }
  });
});
