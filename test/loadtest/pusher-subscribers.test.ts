/**
 * Pusher-protocol subscribers in the load-test harness, run through the real command line against a
 * real server: every publication reaches every Pusher subscriber (zero loss, checked by the seq the
 * probe text carries), latency is recorded, and a compare with native subscribers gives both the
 * same publications on the same server. Short runs; no timing assertions.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { parseOptions, USAGE } from '../../loadtest/options.js';
import { publicationShapeFor } from '../../loadtest/dialects/publication-shape.js';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'loadtest-pusher-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function loadtest(args: string[]): Promise<any> {
  const out = join(dir, `${args[0]}.json`);
  await run(process.execPath, ['--import', 'tsx', 'loadtest/cli.ts', ...args, '--json', out, '--quiet'], { timeout: 60_000 });
  return JSON.parse(readFileSync(out, 'utf8'));
}

describe('which runs publish the Pusher probe event', () => {
  it('any run with a Pusher-subscriber server, for every server of it', () => {
    const shape = (argv: string[]) => {
      const options = parseOptions(argv);
      assert.notEqual(options, 'help');
      return publicationShapeFor(options as Exclude<typeof options, 'help'>);
    };
    assert.equal(shape(['fanout']), 'bin');
    assert.equal(shape(['fanout', '--server', 'switchboard-pusher']), 'event');
    assert.equal(shape(['compare']), 'bin');
    assert.equal(shape(['compare', '--servers', 'switchboard,switchboard-pusher']), 'event');
    assert.equal(shape(['compare', '--servers', 'switchboard:2,uws']), 'bin');
    assert.equal(shape(['compare', '--servers', 'switchboard:2,switchboard-pusher']), 'event');
  });

  it('--server-workers makes clusters of plain switchboard only: switchboard-pusher stays one process', () => {
    const options = parseOptions(['compare', '--server-workers', '2', '--servers', 'switchboard,switchboard-pusher']);
    assert.notEqual(options, 'help');
    assert.deepEqual((options as Exclude<typeof options, 'help'>).servers, ['switchboard:2', 'switchboard-pusher']);
    assert.throws(() => parseOptions(['fanout', '--server', 'switchboard-pusher', '--server-workers', '2']), /only switchboard runs as workers, not switchboard-pusher/);
    assert.throws(() => parseOptions(['drain', '--server', 'switchboard-pusher']), /drain: only switchboard drains/);
    assert.throws(() => parseOptions(['fanout', '--server', 'switchboard-pusher:2']), /--server: only switchboard runs as workers, not switchboard-pusher/);
  });

  it('refuses http-publish to Pusher subscribers, whose autocannon data they cannot read', () => {
    assert.throws(() => parseOptions(['http-publish', '--server', 'switchboard-pusher']), /switchboard-pusher.*Pusher subscribers cannot read/);
  });

  it('--help names the kind and the comparison command', () => {
    assert.match(USAGE, /switchboard-pusher/);
    assert.match(USAGE, /compare --servers switchboard,switchboard-pusher --connections 1000 --topics 1 --rate 500 --repeat 3/);
  });
});

describe('load-test harness with Pusher subscribers', { timeout: 120_000 }, () => {
  it('fanout: 100 Pusher subscribers get every publication, with latency recorded', async () => {
    const result = await loadtest(['fanout', '--server', 'switchboard-pusher', '--connections', '100', '--topics', '2', '--rate', '200', '--duration', '2', '--probes', '5', '--drain', '5']);
    assert.equal(result.server, 'switchboard-pusher');
    assert.match(result.serverBuild, /Pusher app loadtest-key/);
    assert.equal(result.connections, 100 + 5 + 1);
    assert.ok(result.published > 0);
    assert.equal(result.lost, 0);
    assert.equal(result.duplicated, 0);
    assert.equal(result.outOfOrder, 0);
    assert.ok(result.delivered > 0);
    assert.ok(result.latencyMs.count > 0, 'Pusher probes recorded latency');
    // Notes about the box (a publisher behind its schedule) are timing; closed or refused sockets are not.
    assert.deepEqual(result.errors.filter((error: string) => !/behind its schedule/.test(error)), []);
  });

  it('compare: native and Pusher subscribers of the same server, same publications, no loss', async () => {
    const output = await loadtest(['compare', '--servers', 'switchboard,switchboard-pusher', '--repeat', '1', '--connections', '40', '--topics', '2', '--rate', '200', '--duration', '1', '--probes', '4', '--drain', '5']);
    assert.match(output.load, /same Pusher app configured, so only the subscribers' protocol differs/);
    assert.deepEqual(output.results.map((r: any) => r.server), ['switchboard', 'switchboard-pusher']);
    for (const result of output.results) {
      assert.match(result.serverBuild, /Pusher app loadtest-key/, result.server);
      assert.equal(result.lost, 0, `${result.server} lost messages`);
      assert.equal(result.duplicated, 0, `${result.server} duplicated messages`);
      assert.ok(result.latencyMs.count > 0, `${result.server} recorded latency from the probe event`);
    }
  });
});
