import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backoffDelay } from '../../../src/client/backoff.js';

test('first retry comes within minDelayMs, jittered into its upper half', () => {
  assert.equal(backoffDelay(0, { minDelayMs: 250, maxDelayMs: 10_000 }, () => 0), 125);
  assert.equal(backoffDelay(0, { minDelayMs: 250, maxDelayMs: 10_000 }, () => 1), 250);
});

test('delays double per attempt up to maxDelayMs', () => {
  const options = { minDelayMs: 250, maxDelayMs: 10_000 };
  const ceilings = [0, 1, 2, 3, 4, 5, 6, 50].map((attempt) => backoffDelay(attempt, options, () => 1));
  assert.deepEqual(ceilings, [250, 500, 1000, 2000, 4000, 8000, 10_000, 10_000]);
});

test('jitter spreads clients out', () => {
  const delays = new Set(Array.from({ length: 50 }, () => backoffDelay(3)));
  assert.ok(delays.size > 10, `expected varied delays, got ${[...delays].join(',')}`);
  for (const delay of delays) assert.ok(delay >= 1000 && delay <= 2000, String(delay));
});
