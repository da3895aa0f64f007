/**
 * Redis presence under real faults, beyond the conformance suite: what other nodes hear when a
 * node's presence call failed while Redis was away. Two engines on one private redis-server, as
 * two Switchboard nodes would be.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { JoinFrame, LeaveFrame } from '../../src/protocol/frames.js';
import type { EngineSink } from '../../src/server/engine/engine.js';
import { RedisEngine } from '../../src/server/engine/redis/redis-engine.js';
import { redisMissing, startRedis } from '../helpers/redis.js';
import { waitFor } from '../helpers/server.js';

async function node(url: string, heard: Array<JoinFrame | LeaveFrame>) {
  const engine = new RedisEngine({ url, keyPrefix: 'p', presenceTtlMs: 60_000, commandTimeoutMs: 500 });
  const sink: EngineSink = { deliver: () => {}, isActive: () => true, announce: (notice) => heard.push(notice) };
  await engine.start(sink);
  return engine;
}

/** Calls `read` until it resolves, up to `timeoutMs`; the last rejection fails the test. */
async function untilAnswered(read: () => unknown, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await read();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`, { cause: err });
      await new Promise((resolve) => setTimeout(resolve, 20)); // not an oracle: a pause between retries
    }
  }
}

describe('redis presence under faults', { skip: redisMissing }, () => {
  test('a join that failed while Redis was down is announced by the next refresh, not added silently', async () => {
    const redis = await startRedis();
    const heardA: Array<JoinFrame | LeaveFrame> = [];
    const heardB: Array<JoinFrame | LeaveFrame> = [];
    const a = await node(redis.url, heardA);
    const b = await node(redis.url, heardB);
    try {
      await redis.kill();
      await assert.rejects(Promise.resolve(a.presence.join('room', { id: 'c1', userId: 'ann', claims: {} })), 'the join fails while Redis is down');
      await redis.restart();
      // Node B follows the room once Redis is back (its feed is live when a read of it answers).
      await waitFor(() => b.ready() && a.ready(), 10_000, 'both nodes reconnected');
      b.follow('room');
      // A read answers once the feed is live; on a busy box the channel's subscribe can outlast
      // commandTimeoutMs (the read then fails UNAVAILABLE), so read again until one answers.
      await untilAnswered(() => b.history.top('room'), 10_000, "B's feed of the room live");
      await a.presence.refresh();
      await waitFor(() => heardB.some((notice) => notice.userId === 'ann'), 5000, "B hears ann's Join");
      const info = await b.presence.info('room');
      assert.deepEqual([info.users, info.connections], [1, 1]);
      // A second refresh announces nothing more: the member is present.
      await a.presence.refresh();
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.equal(heardB.filter((notice) => notice.userId === 'ann').length, 1, 'one Join, not one per refresh');
    } finally {
      await a.close();
      await b.close();
    }
  });
});
