/**
 * The k6 scripts in loadtest/k6, unmodified, against a real server: k6 itself is not installable
 * here, so loadtest/k6/harness runs them on Node with shims for the k6 modules they import. This
 * proves their protocol logic (subprotocol, frames, subscribe, HTTP publish, latency and seq
 * accounting, thresholds), not k6's runtime: see loadtest/k6/README.md. No timing assertions.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { runK6Script, type RunResult } from '../../loadtest/k6/harness/run.js';
import { startServer } from '../helpers/server.js';

// Small and short: a few VUs, a 0.5 s ramp and the shortest hold the scripts accept.
const SHORT = { RAMP: '500ms', HOLD: '3s', P99_MS: '5000', CONNECT_P95_MS: '5000' };
// For the runs that count every delivery: subscribers stay 5 s after the hold, since on a loaded box
// the last messages can be seconds late, and one that came after its subscriber left would count
// as not delivered.
const EVERY_DELIVERY = { ...SHORT, DRAIN: '5s' };

function failedThresholds(result: RunResult): string[] {
  return result.thresholds.filter((t) => !t.ok).map((t) => `${t.metric} ${t.expression} (actual ${t.actual}, ${t.problem ?? 'failed'})`);
}

describe('loadtest/k6 scripts under the k6 harness', () => {
  test('fanout.js: every publication reaches its subscribers, none lost, latency recorded', async () => {
    const { url } = await startServer({ apiKey: 'k6-test-key' });
    const result = await runK6Script('loadtest/k6/fanout.js', {
      env: { ...EVERY_DELIVERY, WS_URL: url, SUBSCRIBERS: '4', TOPICS: '2', RATE: '40', API_KEY: 'k6-test-key' },
    });
    assert.deepEqual(result.errors, []);
    assert.deepEqual(failedThresholds(result), []);
    assert.equal(result.vus.subscribers, 4);
    const published = result.metrics.http_reqs?.count ?? 0;
    assert.ok(published >= 20, `published ${published}`);
    // Two subscribers per topic, topics in turn: each publication is delivered twice.
    assert.equal(result.metrics.switchboard_messages_received?.count, 2 * published);
    assert.equal(result.metrics.switchboard_deliver_latency?.count, 2 * published);
    assert.equal(result.metrics.switchboard_messages_lost?.count, 0);
    assert.equal(result.metrics.switchboard_messages_duplicated?.count, 0);
    assert.equal(result.metrics.switchboard_connect_time?.count, 4);
    for (const [name, counts] of Object.entries(result.checks)) assert.equal(counts.fails, 0, `check "${name}" failed ${counts.fails} times`);
  });

  test('capacity.js: every connection subscribes and gets every heartbeat', async () => {
    const { url } = await startServer();
    const result = await runK6Script('loadtest/k6/capacity.js', {
      env: { ...EVERY_DELIVERY, WS_URL: url, CONNECTIONS: '10', TOPICS: '4', TOPICS_PER_CONNECTION: '2', HEARTBEAT_EVERY: '250ms' },
      maxVUs: 10,
    });
    assert.deepEqual(result.errors, []);
    assert.deepEqual(failedThresholds(result), []);
    assert.equal(result.metrics.switchboard_connections_established?.count, 10);
    assert.equal(result.metrics.switchboard_subscribe_time?.count, 10);
    // 1 s of heartbeats every 250 ms = 4 heartbeats, each to all 10 connections.
    assert.equal(result.metrics.switchboard_heartbeats_received?.count, 40);
    assert.equal(result.checks['every heartbeat received']?.passes, 10);
  });

  test('the thresholds fail a run that does not deliver (publisher refused without the API key)', async () => {
    const { url } = await startServer({ apiKey: 'k6-test-key' });
    const result = await runK6Script('loadtest/k6/fanout.js', {
      env: { ...SHORT, WS_URL: url, SUBSCRIBERS: '2', TOPICS: '1', RATE: '10', API_KEY: 'wrong-key' },
    });
    assert.deepEqual(result.errors, []);
    const failed = failedThresholds(result).map((line) => line.split(' ')[0]);
    assert.ok(failed.includes('http_req_failed') && failed.includes('checks'), failed.join('; '));
    assert.equal(result.checks['publish status 200']?.passes, 0);
    assert.equal(result.checks['messages received']?.fails, 2);
  });
});
