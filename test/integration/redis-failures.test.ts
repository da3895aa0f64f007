/**
 * The Redis engine when Redis misbehaves: killed with -9 (with and without persistence), its
 * pub/sub connections killed, stopped (SIGSTOP). Publishes fail fast with a retryable code,
 * clients stay connected, and afterwards every publication Redis acknowledged was delivered once,
 * in order, or clients were told they cannot have it. Servers run in this process (two per Redis,
 * each with its own engine), so the tests can look at what a node received. What a publish
 * answers in each case (503 "not published" vs 504 "outcome unknown") is redis-outcome.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { SwitchboardClient } from '../../src/client/index.js';
import { RedisEngine } from '../../src/server/engine/redis/redis-engine.js';
import { connectClient } from '../helpers/clients.js';
import { redisMissing, startRedis, type TestRedis } from '../helpers/redis.js';
import { postJson, sleep, startServer, waitFor, type TestServer } from '../helpers/server.js';

async function collect(client: SwitchboardClient, topic: string) {
  const seqs: number[] = [];
  const data: number[] = [];
  const gaps: Array<{ reason: string }> = [];
  const epochs: string[] = [];
  client.on('gap', (gap) => gap.topic === topic && gaps.push(gap));
  client.on('subscribed', (event) => event.topic === topic && epochs.push(event.epoch));
  await client.subscribe(topic, (value, context) => {
    seqs.push(context.seq);
    data.push(value as number);
  });
  return { seqs, data, gaps, epochs };
}

async function nodeOn(redis: TestRedis): Promise<TestServer & { engine: RedisEngine }> {
  const engine = new RedisEngine({ url: redis.url, commandTimeoutMs: 500, lingerMs: 100 });
  return { ...(await startServer({ engine })), engine };
}

/** Publishes `from..to` one by one, alternating nodes; answers the numbers published with 200 and every status. */
async function publishRange(nodes: readonly TestServer[], topic: string, from: number, to: number) {
  const ok: number[] = [];
  const statuses: number[] = [];
  for (let n = from; n <= to; n++) {
    const res = await postJson(`${nodes[n % nodes.length]!.http}/api/publish`, { topic, data: n });
    statuses.push(res.status);
    if (res.status === 200) ok.push(n);
  }
  return { ok, statuses };
}

const consecutive = (seqs: readonly number[]) => seqs.every((seq, i) => i === 0 || seq === seqs[i - 1]! + 1);

describe('Redis engine failures', { skip: redisMissing }, async () => {
  if (redisMissing !== undefined) return;

  test('kill -9 of a persistent Redis: 503 meanwhile, clients stay, every acknowledged publication arrives once, in order', async () => {
    const redis = await startRedis({ persist: true });
    const nodes = [await nodeOn(redis), await nodeOn(redis)];
    const clients = nodes.map((node) => connectClient(node.url));
    const followers = await Promise.all(clients.map((client) => collect(client, 'f:crash')));
    const closes: number[] = [];
    for (const client of clients) client.on('close', (event) => closes.push(event.code));
    const before = await publishRange(nodes, 'f:crash', 1, 50);
    await redis.kill('SIGKILL');
    const during = await publishRange(nodes, 'f:crash', 51, 60);
    assert.deepEqual(new Set(during.statuses), new Set([503]), 'publishes fail while Redis is down');
    const refused = await postJson(`${nodes[0]!.http}/api/publish`, { topic: 'f:crash', data: 0 });
    assert.equal(refused.body.code, 'ENGINE_UNAVAILABLE');
    const ready = await fetch(`${nodes[0]!.http}/readyz`);
    assert.equal(ready.status, 503, '/readyz says not ready');
    assert.equal((await fetch(`${nodes[0]!.http}/healthz`)).status, 200, '/healthz stays live');
    await redis.restart();
    await waitFor(() => nodes.every((node) => node.engine.ready()), 10_000, 'engines ready again');
    const after = await publishRange(nodes, 'f:crash', 61, 110);
    const acknowledged = [...before.ok, ...during.ok, ...after.ok];
    await waitFor(() => followers.every((f) => f.seqs.length >= acknowledged.length), 10_000, 'deliveries');
    await sleep(100);
    for (const f of followers) {
      assert.deepEqual(f.data, acknowledged, 'every acknowledged publication, once, in publish order');
      assert.ok(consecutive(f.seqs));
      assert.deepEqual(f.gaps, []);
    }
    assert.deepEqual(closes, [], 'clients stayed connected');
  });

  test('kill -9 of Redis without persistence: a new epoch, and clients are told', async () => {
    const redis = await startRedis();
    const nodes = [await nodeOn(redis), await nodeOn(redis)];
    const followers = await Promise.all(nodes.map((node) => collect(connectClient(node.url), 'f:lost')));
    await publishRange(nodes, 'f:lost', 1, 20);
    await waitFor(() => followers.every((f) => f.seqs.length === 20), 5000, 'first 20');
    await redis.kill('SIGKILL');
    await redis.restart();
    await waitFor(() => nodes.every((node) => node.engine.ready()), 10_000, 'engines ready again');
    await publishRange(nodes, 'f:lost', 21, 30);
    await waitFor(() => followers.every((f) => f.gaps.length > 0 && f.data.includes(30)), 10_000, 'a gap event and the new messages');
    for (const f of followers) {
      assert.equal(f.gaps[0]!.reason, 'epoch');
      assert.deepEqual(f.data.slice(20), [21, 22, 23, 24, 25, 26, 27, 28, 29, 30], 'the new epoch from its first publication, once each');
    }
  });

  test('CLIENT KILL TYPE pubsub mid-run loses nothing; a node receives nothing for topics nobody there follows', async () => {
    const redis = await startRedis();
    const nodes = [await nodeOn(redis), await nodeOn(redis)];
    const follower = await collect(connectClient(nodes[0]!.url), 'f:kill');
    const publishing = publishRange(nodes, 'f:kill', 1, 300);
    for (let i = 0; i < 3; i++) {
      await sleep(150);
      redis.cli('CLIENT', 'KILL', 'TYPE', 'pubsub');
    }
    const { ok } = await publishing;
    // The last ones are published while the subscriber reconnects, and nothing comes after them:
    // only the reconcile after resubscribing can bring them.
    redis.cli('CLIENT', 'KILL', 'TYPE', 'pubsub');
    const tail = await publishRange(nodes, 'f:kill', 301, 303);
    ok.push(...tail.ok);
    await waitFor(() => follower.seqs.length >= ok.length, 10_000, 'every publication');
    await sleep(100);
    assert.deepEqual(follower.data, ok);
    assert.ok(consecutive(follower.seqs));
    assert.equal(nodes[1]!.engine.feedStats.received, 0, 'node 1 has no subscriber for f:kill: nothing of it reached it');
    // A client on node 1 follows f:quiet for a while, then leaves: after the linger, nothing more arrives there.
    const passer = connectClient(nodes[1]!.url);
    await passer.subscribe('f:quiet', () => {});
    await publishRange([nodes[0]!], 'f:quiet', 1, 5);
    await waitFor(() => nodes[1]!.engine.feedStats.received === 5, 5000, 'node 1 receives while it has a subscriber');
    await passer.unsubscribe('f:quiet');
    await waitFor(() => nodes[1]!.engine.feedStats.channels === 0, 5000, 'the channel unsubscribed after the linger');
    await publishRange([nodes[0]!], 'f:quiet', 6, 50);
    await sleep(200);
    assert.equal(nodes[1]!.engine.feedStats.received, 5, 'nothing for a topic nobody on the node follows');
  });

  test('Redis stops answering (SIGSTOP): publishes answer 504 (sent, outcome unknown) or 503 (not sent) within the timeout, nothing hangs, all works after SIGCONT', async () => {
    const redis = await startRedis();
    const node = await nodeOn(redis);
    const follower = await collect(connectClient(node.url), 'f:stop');
    await publishRange([node], 'f:stop', 1, 5);
    await redis.kill('SIGSTOP');
    const started = Date.now();
    const stalled = await Promise.all(Array.from({ length: 20 }, (_, i) => postJson(`${node.http}/api/publish`, { topic: 'f:stop', data: 100 + i })));
    for (const res of stalled) {
      assert.ok(res.status === 504 || res.status === 503, `status ${res.status}`);
      assert.equal(res.body.code, res.status === 504 ? 'PUBLISH_OUTCOME_UNKNOWN' : 'ENGINE_UNAVAILABLE');
    }
    assert.ok(Date.now() - started < 2000, 'answered within the command timeout, not queued');
    await redis.kill('SIGCONT');
    await waitFor(() => node.engine.ready(), 10_000, 'engine ready again');
    const { ok } = await publishRange([node], 'f:stop', 6, 10);
    assert.deepEqual(ok, [6, 7, 8, 9, 10]);
    await waitFor(() => follower.data.includes(10), 5000, 'delivery after SIGCONT');
    assert.ok(consecutive(follower.seqs));
  });
});
