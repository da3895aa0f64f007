/**
 * The gate and the retry pacing of a node's feed reads (src/server/engine/redis/feed-pacing.ts)
 * and the backoff schedule (backoff.ts), against a fake FeedHost: no Redis, no timers.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backoffMs } from '../../../../src/server/engine/redis/backoff.js';
import { FeedPacing } from '../../../../src/server/engine/redis/feed-pacing.js';
import type { FeedHost } from '../../../../src/server/engine/redis/topic-feed.js';

/** A host whose reads stay pending until released, one by one. */
function pendingHost() {
  const pending: Array<{ resolve: () => void; reject: (err: Error) => void }> = [];
  const host: FeedHost = {
    deliver: () => {},
    resync: () => {},
    top: () => new Promise((resolve, reject) => pending.push({ resolve: () => resolve({ epoch: 'e', seq: 0 }), reject })),
    read: () => new Promise((resolve, reject) => pending.push({ resolve: () => resolve({ epoch: 'e', seq: 0, recovered: true, publications: [] }), reject })),
    maxFill: 10,
    retryMs: 200,
  };
  return { host, pending };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

test('a thousand reads at once: never more than the bound in flight, every one runs, in order', async () => {
  const { host, pending } = pendingHost();
  const pacing = new FeedPacing(4);
  const paced = pacing.wrap(host);
  const done: number[] = [];
  const all = Array.from({ length: 1000 }, (_, i) => paced.read('t', { epoch: 'e', seq: i }, 10).then(() => done.push(i)));
  await tick();
  while (pending.length > 0) {
    assert.ok(pacing.inFlight <= 4, `in flight ${pacing.inFlight}`);
    pending.shift()!.resolve();
    // Reads keep arriving while the queue drains: they wait their turn too.
    if (done.length % 100 === 0) void paced.top('x').then(() => done.push(-1));
    await tick();
  }
  await Promise.all(all);
  assert.equal(pacing.peak, 4);
  assert.equal(pacing.inFlight, 0);
  assert.deepEqual(done.filter((i) => i >= 0), Array.from({ length: 1000 }, (_, i) => i));
});

test('the retry delay grows with failed rounds node-wide, with jitter, and falls back after a success', async () => {
  const { host, pending } = pendingHost();
  let clock = 1_000_000;
  const pacing = new FeedPacing(8, { firstMs: 200, maxMs: 5000 }, () => clock);
  const paced = pacing.wrap(host);
  const fail = async () => {
    const read = paced.read('t', { epoch: 'e', seq: 0 }, 1).catch(() => {});
    await tick();
    pending.shift()!.reject(new Error('down'));
    await read;
  };
  const first = paced.retryMs;
  assert.ok(first >= 100 && first <= 200, `first delay ${first}`);
  // Thousands of feeds failing at once for one cause (a reconnect) are one failed round.
  for (let i = 0; i < 10; i++) await fail();
  assert.ok(paced.retryMs <= 200, `10 failures at one instant stay at the first step, got ${paced.retryMs}`);
  // Rounds that keep failing, each after the previous delay, grow the delay.
  for (let i = 0; i < 10; i++) {
    clock += 5000;
    await fail();
  }
  const later = paced.retryMs;
  assert.ok(later >= 2500 && later <= 5000, `after 10 failed rounds ${later}`);
  const ok = paced.read('t', { epoch: 'e', seq: 0 }, 1);
  await tick();
  pending.shift()!.resolve();
  await ok;
  assert.ok(paced.retryMs <= 200, 'back to the first step after a success');
});

test('backoff: doubling ceilings up to the maximum, each delay between half the ceiling and the ceiling', () => {
  const schedule = { firstMs: 50, maxMs: 1000 };
  assert.deepEqual([1, 2, 3, 4, 5, 6, 50].map((attempt) => backoffMs(attempt, schedule, () => 1)), [50, 100, 200, 400, 800, 1000, 1000]);
  assert.deepEqual([1, 2, 5, 6].map((attempt) => backoffMs(attempt, schedule, () => 0)), [25, 50, 400, 500]);
  const spread = new Set(Array.from({ length: 50 }, () => backoffMs(6, schedule)));
  assert.ok(spread.size > 10, 'jitter spreads the retries of nodes that failed together');
});
