/**
 * A node's path to Redis goes silent without an error: a NAT or load balancer black-holes the
 * subscriber connection (test/helpers/fault-proxy.ts sits between the node and Redis). Without a
 * check the connection looks healthy forever, /readyz says 200 and the node's clients get silence.
 * The node must notice within a bounded time (PINGs with a deadline), say not ready, and once the
 * path works again its clients must get every publication made meanwhile, or a gap: never silence.
 * A bystander node (straight to Redis) and its topic are unaffected throughout.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { SwitchboardClient } from '../../src/client/index.js';
import { RedisEngine } from '../../src/server/engine/redis/redis-engine.js';
import { connectClient } from '../helpers/clients.js';
import { startFaultProxy } from '../helpers/fault-proxy.js';
import { redisMissing, startRedis } from '../helpers/redis.js';
import { postJson, sleep, startServer, waitFor, type TestServer } from '../helpers/server.js';

async function collect(client: SwitchboardClient, topic: string) {
  const data: unknown[] = [];
  const gaps: unknown[] = [];
  client.on('gap', (gap) => gap.topic === topic && gaps.push(gap));
  await client.subscribe(topic, (value) => data.push(value));
  return { data, gaps };
}

async function node(url: string): Promise<TestServer & { engine: RedisEngine }> {
  const engine = new RedisEngine({ url, commandTimeoutMs: 500, pingIntervalMs: 200, lingerMs: 100 });
  return { ...(await startServer({ engine })), engine };
}

/** Polls GET /readyz until its status is `status` (bounded). */
async function readyzBecomes(server: TestServer, status: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if ((await fetch(`${server.http}/readyz`)).status === status) return;
    if (Date.now() > deadline) throw new Error(`/readyz did not become ${status} within ${timeoutMs} ms`);
    await sleep(50);
  }
}

async function publish(server: TestServer, topic: string, data: unknown): Promise<void> {
  const res = await postJson(`${server.http}/api/publish`, { topic, data });
  assert.equal(res.status, 200, JSON.stringify(res.body));
}

describe('Redis connection liveness', { skip: redisMissing }, async () => {
  if (redisMissing !== undefined) return;

  test('subscriber connection black-holed by the network: /readyz goes 503 within a bounded time, then every publication made meanwhile arrives', async () => {
    const redis = await startRedis();
    const proxy = await startFaultProxy(redis.port);
    const behind = await node(proxy.url);
    const bystanderNode = await node(redis.url);
    const follower = await collect(connectClient(behind.url), 'l:feed');
    const bystander = await collect(connectClient(bystanderNode.url), 'l:other');
    for (let n = 1; n <= 5; n++) await publish(behind, 'l:feed', n);
    await waitFor(() => follower.data.length === 5, 5000, 'the first five');
    assert.ok(proxy.connections.some((c) => c.hello.includes('switchboard-sub')), 'the subscriber connection goes through the proxy');

    // Only the subscriber path goes silent: the node can still publish.
    proxy.set({ kind: 'black-hole' }, (c) => c.hello.includes('switchboard-sub'));
    for (let n = 6; n <= 15; n++) await publish(bystanderNode, 'l:feed', n);
    for (let n = 1; n <= 5; n++) await publish(bystanderNode, 'l:other', n);
    await waitFor(() => bystander.data.length === 5, 5000, 'the bystander keeps receiving');
    await readyzBecomes(behind, 503, 10_000);
    assert.ok(behind.engine.ready() === false);

    proxy.heal();
    await readyzBecomes(behind, 200, 10_000);
    for (let n = 16; n <= 20; n++) await publish(behind, 'l:feed', n);
    await waitFor(() => follower.data.includes(20) || follower.gaps.length > 0, 10_000, 'the publications made meanwhile, or a gap');
    await waitFor(() => follower.data.includes(20), 10_000, 'the publications after the path came back');
    // History holds all of them here, so nothing may be missing: filled, in order, once each.
    assert.deepEqual(follower.data, Array.from({ length: 20 }, (_, i) => i + 1));
    assert.deepEqual(follower.gaps, []);
    assert.deepEqual(bystander.data, [1, 2, 3, 4, 5]);
  });

  test('command connection black-holed: publishes stop being sent (503) within a bounded time, and work again once the path does', async () => {
    const redis = await startRedis();
    const proxy = await startFaultProxy(redis.port);
    const behind = await node(proxy.url);
    const follower = await collect(connectClient(behind.url), 'l:cmd');
    await publish(behind, 'l:cmd', 1);
    proxy.set({ kind: 'black-hole' }, (c) => c.hello.includes('switchboard') && !c.hello.includes('switchboard-sub'));
    // Idle: no publish is made, yet the PING notices.
    await readyzBecomes(behind, 503, 10_000);
    const refused = await postJson(`${behind.http}/api/publish`, { topic: 'l:cmd', data: 'refused' });
    assert.equal(refused.status, 503);
    assert.equal(refused.body.code, 'ENGINE_UNAVAILABLE');
    proxy.heal();
    await readyzBecomes(behind, 200, 10_000);
    await publish(behind, 'l:cmd', 2);
    await waitFor(() => follower.data.includes(2), 5000, 'delivery after the path came back');
    assert.deepEqual(follower.data, [1, 2]);
  });
});
