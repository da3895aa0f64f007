/** loadtest/options.ts and the target check: bounded runs, loopback only, precise errors. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseOptions } from '../../loadtest/options.js';
import { attachTarget, isLoopbackHost } from '../../loadtest/targets/server-under-test.js';

describe('parseOptions', () => {
  it('applies the scenario defaults and the flags', () => {
    const options = parseOptions(['fanout', '--connections', '500', '--rate', '100', '--json', 'x.json']);
    assert.ok(options !== 'help');
    assert.equal(options.scenario, 'fanout');
    assert.equal(options.connections, 500);
    assert.equal(options.rate, 100);
    assert.equal(options.topics, 10);
    assert.equal(options.json, 'x.json');
  });

  it('names the bad flag', () => {
    assert.throws(() => parseOptions(['fanout', '--duration', '601']), /--duration: must be between 1 and 600/);
    assert.throws(() => parseOptions(['fanout', '--payload', '4']), /--payload/);
    assert.throws(() => parseOptions(['fanout', '--server', 'nginx']), /--server: unknown server "nginx"/);
    assert.throws(() => parseOptions(['flood']), /unknown scenario "flood"/);
    assert.throws(() => parseOptions(['compare', '--target', 'ws://127.0.0.1:1/']), /compare starts its own servers/);
  });
});

describe('targets', () => {
  it('accepts loopback hosts only', () => {
    for (const host of ['127.0.0.1', '127.3.2.1', 'localhost', '[::1]']) assert.equal(isLoopbackHost(host), true, host);
    for (const host of ['10.0.0.1', 'example.com', '0.0.0.0', '128.0.0.1']) assert.equal(isLoopbackHost(host), false, host);
  });

  it('refuses a non-loopback --target before connecting anywhere', () => {
    assert.throws(() => attachTarget('ws://192.168.1.10:9001/', undefined, 'switchboard'), /refusing 192\.168\.1\.10/);
    assert.throws(() => attachTarget('wss://127.0.0.1:9001/', undefined, 'switchboard'), /only ws:\/\//);
    assert.equal(attachTarget('ws://localhost:9001/', undefined, 'switchboard').host, '127.0.0.1');
  });
});

describe('server specs and clusters', () => {
  const parse = (args: string[]) => {
    const options = parseOptions(args);
    assert.ok(options !== 'help');
    return options;
  };

  it('switchboard:N and --server-workers N start N workers; plain switchboard stays one process', () => {
    assert.equal(parse(['fanout']).server, 'switchboard');
    assert.equal(parse(['fanout', '--server', 'switchboard:3']).server, 'switchboard:3');
    assert.equal(parse(['capacity', '--server-workers', '6']).server, 'switchboard:6');
    assert.deepEqual(parse(['compare', '--servers', 'switchboard:1,switchboard:2,uws']).servers, ['switchboard:1', 'switchboard:2', 'uws']);
    assert.deepEqual(parse(['compare', '--servers', 'switchboard,uws', '--server-workers', '2']).servers, ['switchboard:2', 'uws']);
  });

  it('drain always runs a supervisor: one worker unless told more', () => {
    assert.equal(parse(['drain']).server, 'switchboard:1');
    assert.equal(parse(['drain', '--server-workers', '2']).server, 'switchboard:2');
    assert.equal(parse(['drain', '--server-workers', '2', '--drain-signal', 'term']).drainSignal, 'term');
    assert.equal(parse(['drain']).drainSignal, 'hup');
  });

  it('refuses what a cluster cannot do, naming the flag', () => {
    assert.throws(() => parseOptions(['fanout', '--server', 'uws:2']), /--server: only switchboard runs as workers, not uws/);
    assert.throws(() => parseOptions(['fanout', '--server', 'switchboard:0']), /--server: switchboard:<workers> needs 1 to 64 workers/);
    assert.throws(() => parseOptions(['fanout', '--server', 'ws', '--server-workers', '2']), /--server-workers: only switchboard runs as workers, not ws/);
    assert.throws(() => parseOptions(['fanout', '--server', 'switchboard:3', '--server-workers', '2']), /--server-workers 2 contradicts --server switchboard:3/);
    assert.throws(() => parseOptions(['fanout', '--server-workers', '2', '--target', 'ws://127.0.0.1:9001/']), /--server-workers: starts its own cluster/);
    assert.throws(() => parseOptions(['rpc', '--server-workers', '2']), /rpc: a cluster runs the real CLI/);
    assert.throws(() => parseOptions(['fanout', '--redis', 'redis://127.0.0.1:6379']), /--redis: only used by clusters/);
    assert.throws(() => parseOptions(['fanout', '--server-workers', '2', '--redis', 'redis://10.0.0.5:6379']), /--redis: refusing 10\.0\.0\.5/);
    assert.throws(() => parseOptions(['drain', '--drain-signal', 'term']), /--drain-signal term: needs --server-workers 2 or more/);
    assert.throws(() => parseOptions(['drain', '--server', 'uws']), /drain: only switchboard drains with 1012/);
    assert.throws(() => parseOptions(['fanout', '--drain-signal', 'hup']), /--drain-signal: only for the drain scenario/);
  });
});
