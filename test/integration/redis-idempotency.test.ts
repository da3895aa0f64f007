/**
 * Idempotency keys on the Redis engine, through a server built from options: the server's
 * `maxIdempotencyKeys` bounds each topic's keys in Redis (it used to be ignored, leaving one key per
 * idempotency key for the whole window), and keys with `}` and `:` cannot reach another topic's.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { redisMissing, startRedis } from '../helpers/redis.js';
import { startServer } from '../helpers/server.js';

describe('Redis engine: idempotency keys', { skip: redisMissing }, async () => {
  if (redisMissing !== undefined) return;
  const redis = await startRedis();
  const { server } = await startServer({ redis: { url: redis.url }, maxIdempotencyKeys: 2 });

  test('maxIdempotencyKeys bounds the keys Redis keeps per topic: 500 keyed publishes leave 2, the oldest forgotten', async () => {
    for (let i = 0; i < 500; i++) assert.equal(await server.publish('orders', i, { idempotencyKey: `order-${i}` }), i + 1);
    assert.equal(redis.cli('HLEN', '{sb:orders}:ik'), '2');
    assert.equal(redis.cli('ZCARD', '{sb:orders}:ie'), '2');
    assert.equal(Number(redis.cli('DBSIZE')), 4, 'meta, stream and the two idempotency keys: nothing per key');
    assert.equal(await server.publish('orders', 'again', { idempotencyKey: 'order-499' }), 500, 'a kept key is a duplicate');
    assert.equal(await server.publish('orders', 'again', { idempotencyKey: 'order-0' }), 501, 'a forgotten key publishes again');
  });

  test('a key that spells another topic\'s key name stays a field of its own topic', async () => {
    // Joined into a key name, `{sb:cart}:idem:` + `k}:meta` was the meta key of topic `cart}:idem:k`.
    assert.equal(await server.publish('cart', 1, { idempotencyKey: 'k}:meta' }), 1);
    assert.equal(await server.publish('cart}:idem:k', 1), 1, 'the other topic publishes (its meta was a string: WRONGTYPE)');
    assert.equal(await server.publish('cart}:idem:k', 2), 2);
    assert.equal(await server.publish('cart', 1, { idempotencyKey: 'k}:meta' }), 1, 'and the key is still a duplicate on its own topic');
  });
});
