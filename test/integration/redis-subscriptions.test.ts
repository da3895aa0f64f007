/**
 * The Redis engine's channel subscriptions against a real redis-server, with the subscriber
 * connection slowed or cut by the fault proxy (test/helpers/fault-proxy.ts): what Redis itself
 * says is subscribed (`PUBSUB NUMSUB`) must match what the node follows, whatever order a
 * reconnect's resubscribe and a linger's unsubscribe reach Redis in.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { EngineSink } from '../../src/server/engine/engine.js';
import type { SwitchboardClient } from '../../src/client/index.js';
import { KeySpace } from '../../src/server/engine/redis/keys.js';
import { RedisEngine } from '../../src/server/engine/redis/redis-engine.js';
import { connectClient } from '../helpers/clients.js';
import { startFaultProxy } from '../helpers/fault-proxy.js';
import { redisMissing, startRedis, type TestRedis } from '../helpers/redis.js';
import { postJson, startServer, waitFor, type TestServer } from '../helpers/server.js';

/** A sink that records deliveries and resyncs per topic. */
function recordingSink(): EngineSink & { delivered: Map<string, number[]>; resyncs: string[] } {
  const delivered = new Map<string, number[]>();
  const resyncs: string[] = [];
  return {
    delivered,
    resyncs,
    deliver: (topic, _epoch, seq) => {
      let seqs = delivered.get(topic);
      if (seqs === undefined) delivered.set(topic, (seqs = []));
      seqs.push(seq);
    },
    resync: (topic, epoch, seq) => resyncs.push(`${topic} ${epoch}:${seq}`),
    isActive: () => true,
  };
}

/** Subscribers of a topic's channel, as Redis counts them. */
function numsub(redis: TestRedis, topic: string): number {
  const channel = new KeySpace('sb').topic(topic).channel;
  const lines = redis.cli('PUBSUB', 'NUMSUB', channel).split('\n');
  return Number(lines[1]);
}

async function collect(client: SwitchboardClient, topic: string) {
  const data: number[] = [];
  const gaps: Array<{ reason: string; lastSeq: number; seq: number }> = [];
  client.on('gap', (gap) => gap.topic === topic && gaps.push(gap));
  await client.subscribe(topic, (value) => data.push(value as number));
  return { data, gaps };
}

describe('Redis channel subscriptions', { skip: redisMissing }, async () => {
  if (redisMissing !== undefined) return;

  test('a linger expiring while a reconnect resubscribes leaves no channel subscribed in Redis that the node does not follow', async () => {
    const redis = await startRedis();
    const proxy = await startFaultProxy(redis.port);
    const engine = new RedisEngine({ url: proxy.url, commandTimeoutMs: 5000, pingIntervalMs: 60_000, lingerMs: 50 });
    const sink = recordingSink();
    await engine.start(sink);
    try {
      engine.follow('r:kept');
      engine.follow('r:left');
      await waitFor(() => numsub(redis, 'r:kept') === 1 && numsub(redis, 'r:left') === 1, 5000, 'both channels subscribed');
      // Every byte of the subscriber connection now takes 400 ms each way, so the resubscribe's
      // first SUBSCRIBE (the node channels) takes 800 ms to be answered.
      const isSub = (c: { hello: string }) => c.hello.includes('switchboard-sub');
      proxy.set({ kind: 'latency', ms: 400 }, isSub);
      const before = proxy.connections.length;
      redis.cli('CLIENT', 'KILL', 'TYPE', 'pubsub');
      // The new connection is ready and has sent its first SUBSCRIBE: the snapshot of followed
      // topics is taken. Now the last follower of r:left leaves and its linger expires before the
      // topics' SUBSCRIBE goes out.
      await waitFor(() => proxy.connections.slice(before).some((c) => isSub(c) && c.hello.includes('sb:control')), 10_000, 'the resubscribe started');
      engine.unfollow('r:left');
      await waitFor(() => engine.feedStats.channels === 1, 5000, 'r:left dropped after its linger');
      await waitFor(() => engine.ready() && engine.feedStats.reconciling === 0 && numsub(redis, 'r:kept') === 1, 10_000, 'resubscribed');
      // The resubscribe's batch went out after r:left's UNSUBSCRIBE: it must not stay subscribed.
      await waitFor(() => numsub(redis, 'r:left') === 0, 5000, 'r:left unsubscribed in Redis');
      assert.equal(numsub(redis, 'r:kept'), 1);
    } finally {
      await engine.close();
    }
  });

  test('CLIENT KILL TYPE pubsub during a stream on a namespace without history: the follower gets a gap, never silence', async () => {
    const redis = await startRedis();
    // The publisher's node keeps its subscriber connection: only the follower's node loses it.
    const proxy = await startFaultProxy(redis.port);
    const namespaces = { 'nohist:': { history: false as const } };
    const follower: TestServer & { engine?: RedisEngine } = await startServer({ engine: new RedisEngine({ url: proxy.url, commandTimeoutMs: 500, lingerMs: 100 }), namespaces });
    const publisher = await startServer({ engine: new RedisEngine({ url: redis.url, commandTimeoutMs: 500, lingerMs: 100 }), namespaces });
    const seen = await collect(connectClient(follower.url), 'nohist:ticks');
    const publish = async (n: number) => assert.equal((await postJson(`${publisher.http}/api/publish`, { topic: 'nohist:ticks', data: n })).status, 200);
    for (let n = 1; n <= 5; n++) await publish(n);
    await waitFor(() => seen.data.length === 5, 5000, 'the first five');
    // The follower's subscriber connection is cut and cannot come back until healed: what is
    // published meanwhile is on no channel it hears, and in no history.
    proxy.set({ kind: 'reset' }, (c) => c.hello.includes('switchboard-sub'));
    for (let n = 6; n <= 10; n++) await publish(n);
    proxy.heal();
    await waitFor(() => seen.gaps.length > 0, 10_000, 'a gap event for the publications that cannot be filled');
    for (let n = 11; n <= 12; n++) await publish(n);
    await waitFor(() => seen.data.includes(12), 10_000, 'live again');
    assert.deepEqual(seen.data, [1, 2, 3, 4, 5, 11, 12]);
    assert.equal(seen.gaps[0]!.reason, 'history');
  });

  test('CLIENT KILL TYPE pubsub during a stream published on the same node, namespace without history: every missing publication is covered by a gap event', async () => {
    const redis = await startRedis();
    const namespaces = { 'nohist:': { history: false as const } };
    const nodes = [
      await startServer({ engine: new RedisEngine({ url: redis.url, commandTimeoutMs: 500, lingerMs: 100 }), namespaces }),
      await startServer({ engine: new RedisEngine({ url: redis.url, commandTimeoutMs: 500, lingerMs: 100 }), namespaces }),
    ];
    const seen = await collect(connectClient(nodes[0]!.url), 'nohist:stream');
    for (let n = 1; n <= 300; n++) {
      assert.equal((await postJson(`${nodes[n % 2]!.http}/api/publish`, { topic: 'nohist:stream', data: n })).status, 200);
      if (n % 60 === 30) redis.cli('CLIENT', 'KILL', 'TYPE', 'pubsub');
    }
    // Seqs are the data here (one publisher order, one topic, one epoch): each one must arrive or
    // lie inside a gap event, within a bounded time.
    const accounted = (n: number) => seen.data.includes(n) || seen.gaps.some((gap) => gap.lastSeq < n && n <= gap.seq);
    const all = Array.from({ length: 300 }, (_, i) => i + 1);
    await waitFor(() => all.every(accounted), 10_000, 'every publication delivered or inside a gap event').catch((err: Error) => {
      throw new Error(`${err.message}; unaccounted: ${all.filter((n) => !accounted(n)).join(',')}; gaps: ${JSON.stringify(seen.gaps)}`);
    });
    const missing = all.filter((n) => !seen.data.includes(n));
    assert.ok(missing.length === 0 || seen.gaps.length > 0);
  });
});
