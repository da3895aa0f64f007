/**
 * What a subscribe costs Redis when this node already follows the topic: nothing. The topic's
 * live feed knows the position it delivered up to, and every later publication reaches the node
 * through it, so the answer needs no read; the subscribers then get each later publication once.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Kind, type MessageFrame, type ReplyFrame, type TopicPosition } from '../../src/protocol/index.js';
import { RedisEngine } from '../../src/server/engine/redis/redis-engine.js';
import { RawClient } from '../helpers/raw-client.js';
import { redisMissing, startRedis } from '../helpers/redis.js';
import { startServer, waitFor } from '../helpers/server.js';

describe('subscribe cost on the Redis engine', { skip: redisMissing }, async () => {
  if (redisMissing !== undefined) return;

  test('50 subscribes to a topic the node already follows run no read script in Redis, and each subscriber gets every later publication once', async () => {
    const redis = await startRedis();
    const { server, url } = await startServer({ engine: new RedisEngine({ url: redis.url }) });
    const scripts = () => [...redis.cli('INFO', 'commandstats').matchAll(/^cmdstat_(?:evalsha|eval):calls=(\d+)/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
    for (let i = 1; i <= 3; i++) await server.publish('prices:btc', i);
    const first = await RawClient.connect(url);
    first.send({ kind: Kind.Subscribe, id: 1, topics: ['prices:btc'] });
    await first.answer(1);
    await server.publish('prices:btc', 4);
    await first.next((frame) => frame.kind === Kind.Message && frame.seq === 4, 5000);

    const before = scripts();
    const clients = await Promise.all(Array.from({ length: 50 }, () => RawClient.connect(url)));
    const answers = await Promise.all(
      clients.map(async (client) => {
        client.send({ kind: Kind.Subscribe, id: 1, topics: ['prices:btc'] });
        return (((await client.answer(1)) as ReplyFrame).data as Record<string, TopicPosition>)['prices:btc']!;
      }),
    );
    assert.equal(scripts() - before, 0, 'no script ran for the 50 subscribes');
    assert.ok(answers.every((answer) => answer.seq === 4 && answer.epoch !== ''), 'each answered the position the feed delivered');

    await server.publish('prices:btc', 5);
    await waitFor(() => clients.every((client) => client.frames.some((frame) => frame.kind === Kind.Message && frame.seq === 5)), 5000, 'seq 5 everywhere');
    for (const client of clients) {
      const seqs = client.frames.filter((frame): frame is MessageFrame => frame.kind === Kind.Message).map((m) => m.seq);
      assert.deepEqual(seqs, [5]);
      client.close();
    }
    first.close();
  });
});
