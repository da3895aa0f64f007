/**
 * The seam between a subscription's history answer and live delivery, over the Redis engine,
 * watched at the wire (raw frames, no SDK deduplication): clients subscribing on one node while
 * another node floods the topic get exactly the publications after the seq their Reply answered,
 * none missing (the channel was subscribed before the read) and none twice (the read waited until
 * the node's feed had delivered up to it).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Kind, type ServerFrame } from '../../src/protocol/index.js';
import { RedisEngine } from '../../src/server/engine/redis/redis-engine.js';
import { redisMissing, startRedis } from '../helpers/redis.js';
import { RawClient } from '../helpers/raw-client.js';
import { sleep, startServer, waitFor } from '../helpers/server.js';

describe('Redis engine: subscribe during a flood', { skip: redisMissing }, async () => {
  if (redisMissing !== undefined) return;
  const redis = await startRedis();
  const quiet = await startServer({ engine: new RedisEngine({ url: redis.url }) });
  const busy = await startServer({ engine: new RedisEngine({ url: redis.url }) });

  test('every subscriber sees exactly answered seq + 1 .. the last, for a first follower and later ones', async () => {
    const total = 1500;
    let published = 0;
    const flood = (async () => {
      while (published < total) {
        await Promise.all(Array.from({ length: 10 }, () => busy.server.publish('seam', ++published)));
      }
    })();
    const watchers: Array<{ client: RawClient; from: number }> = [];
    for (let i = 0; i < 8; i++) {
      await sleep(40);
      const client = await RawClient.connect(quiet.url);
      client.send({ kind: Kind.Subscribe, id: 1, topics: ['seam'] });
      const reply = (await client.answer(1)) as ServerFrame & { data: Record<string, { seq: number }> };
      watchers.push({ client, from: reply.data.seam!.seq });
    }
    await flood;
    const messages = (client: RawClient) => client.frames.filter((frame) => frame.kind === Kind.Message);
    // A watcher that subscribed after the flood ended was answered at the last seq and gets nothing.
    await waitFor(() => watchers.every(({ client, from }) => from === total || messages(client).at(-1)?.seq === total), 10_000, 'the last publication everywhere');
    await sleep(50);
    for (const { client, from } of watchers) {
      if (from === total) {
        assert.deepEqual(messages(client), [], 'answered at the last seq: nothing more to send');
        continue;
      }
      // Publications held during the read go out before the Reply, which then answers the last of them.
      const seqs = messages(client).map((frame) => (frame as { seq: number }).seq);
      const first = seqs[0]!;
      assert.ok(first <= from + 1, `nothing missing after the answered seq ${from} (first message ${first})`);
      assert.deepEqual(seqs, Array.from({ length: total - first + 1 }, (_, i) => first + i), `subscriber answered at ${from}: each seq once, in order`);
    }
    assert.ok(watchers.some(({ from }) => from > 0 && from < total), 'subscriptions happened during the flood');
  });
});
