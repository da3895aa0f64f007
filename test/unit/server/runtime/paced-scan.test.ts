import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { PacedScan } from '../../../../src/server/runtime/paced-scan.js';
import { seeded } from '../../../helpers/fc-seed.js';
import { waitFor } from '../../../helpers/server.js';

/** A scan over a Map driven by hand (step()), recording what each step visited. */
function scanOver(entries: Map<number, number>, options: { steps?: number; maxPerStep?: number; periodMs?: number } = {}) {
  const visits: number[][] = [];
  let current: number[] = [];
  const scan = new PacedScan({
    entries: () => entries.values(),
    size: () => entries.size,
    visit: (entry) => current.push(entry),
    periodMs: options.periodMs ?? 100,
    steps: options.steps,
    maxPerStep: options.maxPerStep,
  });
  const step = () => {
    current = [];
    scan.step();
    visits.push(current);
    return current;
  };
  return { scan, step, visits };
}

const mapOf = (n: number) => new Map(Array.from({ length: n }, (_, i) => [i, i]));

test('property: every entry is visited within one period of steps, a step visits at most ceil(n / steps), none twice', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 400 }), fc.integer({ min: 1, max: 20 }), fc.integer({ min: 0, max: 30 }), (n, steps, offset) => {
      const { step } = scanOver(mapOf(n), { steps });
      // Start anywhere in a round: the guarantee holds for any window of `steps` steps.
      for (let i = 0; i < offset; i++) step();
      const seen = new Set<number>();
      for (let i = 0; i < steps; i++) {
        const visited = step();
        assert.ok(visited.length <= Math.ceil(n / steps), `step visited ${visited.length} of ${n}`);
        assert.equal(new Set(visited).size, visited.length, 'an entry twice in one step');
        for (const entry of visited) seen.add(entry);
      }
      assert.equal(seen.size, n, 'every entry visited in one period');
    }),
    seeded('paced scan covers every entry each period'),
  );
});

test('a step never visits more than maxPerStep entries: past that a round takes longer than the period', () => {
  const { step } = scanOver(mapOf(1000), { steps: 10, maxPerStep: 30 });
  const seen = new Set<number>();
  for (let i = 0; i < 34; i++) {
    const visited = step();
    assert.ok(visited.length <= 30);
    for (const entry of visited) seen.add(entry);
  }
  assert.equal(seen.size, 1000);
});

test('entries removed mid-round are not visited, entries added mid-round are', () => {
  const entries = mapOf(20);
  const { step } = scanOver(entries, { steps: 4 });
  const first = step();
  assert.deepEqual(first, [0, 1, 2, 3, 4]);
  entries.delete(7);
  entries.set(99, 99);
  const rest = [...step(), ...step(), ...step()];
  assert.ok(!rest.includes(7));
  assert.ok(rest.includes(99));
});

test('a visit may remove the entry it is visiting', () => {
  const entries = mapOf(10);
  const scan = new PacedScan({ entries: () => entries.values(), size: () => entries.size, visit: (entry) => entries.delete(entry), periodMs: 100, steps: 2 });
  for (let i = 0; i < 10 && entries.size > 0; i++) scan.step();
  assert.equal(entries.size, 0);
});

test('started, it steps on its own every periodMs / steps', async () => {
  const entries = mapOf(4);
  let visits = 0;
  const scan = new PacedScan({ entries: () => entries.values(), size: () => entries.size, visit: () => visits++, periodMs: 20, steps: 4 });
  scan.start();
  await waitFor(() => visits >= 8, 5000, 'two rounds');
  scan.stop();
  const stopped = visits;
  await new Promise((resolve) => setTimeout(resolve, 30));
  assert.equal(visits, stopped, 'nothing after stop()');
});
