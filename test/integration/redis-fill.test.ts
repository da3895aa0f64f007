/**
 * A live feed's fill after a long outage of its subscriber connection, on a real redis-server: a
 * gap of thousands of publications is read in bounded pages (never one script holding Redis for
 * the whole copy) and still delivered exactly, in order, once each.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { EngineSink } from '../../src/server/engine/engine.js';
import { FILL_PAGE } from '../../src/server/engine/redis/paged-fill.js';
import { RedisEngine } from '../../src/server/engine/redis/redis-engine.js';
import { startFaultProxy } from '../helpers/fault-proxy.js';
import { redisMissing, startRedis } from '../helpers/redis.js';
import { waitFor } from '../helpers/server.js';

describe('Redis feed fills', { skip: redisMissing }, async () => {
  if (redisMissing !== undefined) return;

  test('a 5,000-publication gap missed while the subscriber connection was down is filled exactly, in order, in several pages', async () => {
    const redis = await startRedis();
    const proxy = await startFaultProxy(redis.port);
    const delivered: number[] = [];
    const resyncs: string[] = [];
    const sink: EngineSink = {
      deliver: (_topic, _epoch, seq, payload) => {
        assert.equal(Buffer.from(payload).toString(), `p${seq}`);
        delivered.push(seq);
      },
      resync: (_topic, epoch, seq) => resyncs.push(`${epoch}:${seq}`),
      isActive: () => true,
    };
    const follower = new RedisEngine({ url: proxy.url, commandTimeoutMs: 2000 });
    const publisher = new RedisEngine({ url: redis.url, commandTimeoutMs: 2000 });
    await follower.start(sink);
    await publisher.start({ deliver: () => {}, isActive: () => false });
    try {
      const retain = { size: 10_000, ttlMs: 600_000 };
      const publish = (n: number) => publisher.publish('fill:big', Buffer.from(`p${n}`), { retain });
      follower.follow('fill:big');
      await follower.history.top('fill:big'); // answers once the feed is live
      await publish(1);
      await waitFor(() => delivered.length === 1, 5000, 'the first publication');
      proxy.set({ kind: 'reset' }, (c) => c.hello.includes('switchboard-sub'));
      await waitFor(() => !follower.ready(), 5000, 'the follower lost its subscriber connection');
      // One publisher, one at a time: publication n gets seq n, and its payload says so.
      for (let n = 2; n <= 5001; n++) assert.equal((await publish(n)).seq, n);
      proxy.heal();
      await waitFor(() => delivered.length === 5001, 20_000, 'every missed publication');
      assert.deepEqual(delivered, Array.from({ length: 5001 }, (_, i) => i + 1), 'exactly once each, in seq order');
      assert.deepEqual(resyncs.filter((r) => !r.endsWith(':0')), [], 'no gap: history holds them all');
      assert.ok(follower.feedStats.fillPages >= 5000 / FILL_PAGE, `read in pages of ${FILL_PAGE} (${follower.feedStats.fillPages})`);
    } finally {
      await follower.close();
      await publisher.close();
    }
  });
});
