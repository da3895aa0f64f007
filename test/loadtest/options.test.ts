/** loadtest/options.ts and the target check: bounded runs, loopback only, precise errors. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseOptions } from '../../loadtest/options.js';
import { attachTarget, isLoopbackHost } from '../../loadtest/server-under-test.js';

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
