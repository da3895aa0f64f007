/**
 * The Redis engine's channel subscriptions against a real redis-server, with the subscriber
 * connection slowed or cut by the fault proxy (test/helpers/fault-proxy.ts): what Redis itself
 * says is subscribed (`PUBSUB NUMSUB`) must match what the node follows, whatever order a
 * reconnect's resubscribe and a linger's unsubscribe reach Redis in.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { EngineSink } from '../../src/server/engine/engine.js';
import { KeySpace } from '../../src/server/engine/redis/keys.js';
import { RedisEngine } from '../../src/server/engine/redis/redis-engine.js';
import { startFaultProxy } from '../helpers/fault-proxy.js';
import { redisMissing, startRedis, type TestRedis } from '../helpers/redis.js';
import { waitFor } from '../helpers/server.js';

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
});
