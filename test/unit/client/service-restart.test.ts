/**
 * 1012 SERVICE_RESTART: a server draining for a restart (others are up) closes its clients spread
 * over its drain window; the SDK must come back within a short jittered delay, not the growing
 * backoff meant for servers in trouble, and must not let the restart count toward that backoff.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connect } from '../../../src/client/index.js';
import { FakeServer } from './fake-transport.js';

test('1012 reconnects after a short jittered delay (≤ 100 ms), even where the backoff would wait seconds', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'] });
  const randoms = [0.9, 0.1, 0.9];
  t.mock.method(Math, 'random', () => randoms.shift() ?? 0.5);
  const server = new FakeServer();
  const client = connect('ws://fake.test/', { WebSocket: server.WebSocket, minReconnectDelayMs: 2000, maxReconnectDelayMs: 10_000 });
  const plans: Array<{ attempt: number; delayMs: number }> = [];
  const closes: Array<{ code: number; willReconnect: boolean }> = [];
  client.on('reconnecting', (plan) => plans.push(plan));
  client.on('close', ({ code, willReconnect }) => closes.push({ code, willReconnect }));

  (await server.connection(1)).welcome().drop(1012, 'service restart');
  assert.equal(client.state, 'reconnecting');
  assert.deepEqual(plans, [{ attempt: 1, delayMs: 90 }], 'random 0.9 of the 100 ms cap');
  t.mock.timers.tick(90);
  (await server.connection(2)).welcome().drop(1012, 'service restart');
  assert.deepEqual(plans.at(-1), { attempt: 1, delayMs: 10 }, 'jittered: another random, another delay; no growth');
  t.mock.timers.tick(10);
  // The restart did not advance the backoff: an ordinary drop now waits the first backoff step.
  (await server.connection(3)).welcome().drop(1001);
  assert.deepEqual(plans.at(-1), { attempt: 1, delayMs: 1900 }, 'upper half of 2000 ms at random 0.9');
  assert.deepEqual(closes, [1012, 1012, 1001].map((code) => ({ code, willReconnect: true })));
  client.close();
});

test('1012 with a small minReconnectDelayMs waits at most that', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'] });
  t.mock.method(Math, 'random', () => 0.999);
  const server = new FakeServer();
  const client = connect('ws://fake.test/', { WebSocket: server.WebSocket, minReconnectDelayMs: 20, maxReconnectDelayMs: 100 });
  let delayMs = -1;
  client.on('reconnecting', (plan) => (delayMs = plan.delayMs));
  (await server.connection(1)).welcome().drop(1012);
  assert.equal(delayMs, 20);
  t.mock.timers.tick(20);
  await server.connection(2);
  client.close();
});
