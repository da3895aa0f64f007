import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IdempotencyCache } from '../../../../src/server/engine/idempotency.js';

/** A publish function that counts calls and hands out increasing seqs. */
function counter() {
  let seq = 0;
  const fn = () => ++seq;
  return { fn, calls: () => seq };
}

test('a key repeated on the same topic within the window answers the first seq without publishing', async () => {
  const cache = new IdempotencyCache(1000, 10, () => 0);
  const publish = counter();
  assert.deepEqual(await cache.publish('t', 'k', publish.fn), { seq: 1, duplicate: false });
  assert.deepEqual(await cache.publish('t', 'k', publish.fn), { seq: 1, duplicate: true });
  assert.equal(publish.calls(), 1);
  assert.deepEqual(await cache.publish('other', 'k', publish.fn), { seq: 2, duplicate: false }, 'keys are per topic');
  // "ab"+"c" and "a"+"bc" must not collide.
  assert.deepEqual(await cache.publish('ab', 'c', publish.fn), { seq: 3, duplicate: false });
  assert.deepEqual(await cache.publish('a', 'bc', publish.fn), { seq: 4, duplicate: false });
});

test('keys expire after the window', async () => {
  let now = 0;
  const cache = new IdempotencyCache(1000, 10, () => now);
  const publish = counter();
  await cache.publish('t', 'k', publish.fn);
  now = 999;
  assert.equal((await cache.publish('t', 'k', publish.fn)).duplicate, true);
  now = 1000;
  assert.deepEqual(await cache.publish('t', 'k', publish.fn), { seq: 2, duplicate: false });
  assert.equal(cache.size, 1, 'the expired entry was dropped');
});

test('at most maxKeys are remembered; the oldest is forgotten first', async () => {
  const cache = new IdempotencyCache(1000, 2, () => 0);
  const publish = counter();
  await cache.publish('t', 'a', publish.fn);
  await cache.publish('t', 'b', publish.fn);
  await cache.publish('t', 'c', publish.fn);
  assert.equal(cache.size, 2);
  assert.equal((await cache.publish('t', 'c', publish.fn)).duplicate, true);
  assert.equal((await cache.publish('t', 'b', publish.fn)).duplicate, true);
  assert.equal((await cache.publish('t', 'a', publish.fn)).duplicate, false, '"a" was evicted');
});

test('a duplicate of a publish still pending waits for it instead of publishing twice', async () => {
  const cache = new IdempotencyCache(1000, 10, () => 0);
  let calls = 0;
  let resolve!: (seq: number) => void;
  const publish = () => {
    calls++;
    return new Promise<number>((r) => (resolve = r));
  };
  const first = cache.publish('t', 'k', publish);
  const second = cache.publish('t', 'k', publish);
  assert.equal(calls, 1);
  resolve(7);
  assert.deepEqual(await first, { seq: 7, duplicate: false });
  assert.deepEqual(await second, { seq: 7, duplicate: true });
});

test('a failed publish is forgotten, so a retry with the same key publishes', async () => {
  const cache = new IdempotencyCache(1000, 10, () => 0);
  await assert.rejects(cache.publish('t', 'k', () => Promise.reject(new Error('broker down'))), /broker down/);
  await assert.rejects(
    cache.publish('t', 'k', () => {
      throw new Error('invalid topic');
    }),
    /invalid topic/,
  );
  assert.equal(cache.size, 0);
  assert.deepEqual(await cache.publish('t', 'k', () => 3), { seq: 3, duplicate: false });
});
