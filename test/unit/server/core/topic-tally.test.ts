import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TALLY_SLOTS, TOP_TOPICS, TopicTally } from '../../../../src/server/core/topic-tally.js';

/** A tally on a clock the test moves. */
function tally(windowMs = 1000) {
  let now = 0;
  const counted = new TopicTally(() => now, windowMs);
  return { counted, advance: (ms: number) => (now += ms) };
}

const publish = (counted: TopicTally, topic: string, times: number) => {
  for (let i = 0; i < times; i++) counted.count(topic);
};

test('nothing is reported until a window closes; then its busiest topics, per second, busiest first', () => {
  const { counted, advance } = tally(1000);
  publish(counted, 'b', 20);
  publish(counted, 'a', 40);
  publish(counted, 'c', 20);
  assert.deepEqual(counted.top(), [], 'the first window is still open');
  advance(2000);
  assert.deepEqual(counted.top(), [
    { topic: 'a', perSecond: 20 },
    { topic: 'b', perSecond: 10 },
    { topic: 'c', perSecond: 10 },
  ]);
  advance(500);
  publish(counted, 'd', 5);
  assert.deepEqual(counted.top().map((t) => t.topic), ['a', 'b', 'c'], 'the last closed window until the next closes');
  advance(500);
  assert.deepEqual(counted.top(), [{ topic: 'd', perSecond: 5 }]);
  advance(1000);
  assert.deepEqual(counted.top(), [], 'a quiet window reports nothing');
});

test(`at most ${TOP_TOPICS} topics are reported`, () => {
  const { counted, advance } = tally();
  for (let i = 0; i < 30; i++) publish(counted, `t${String(i).padStart(2, '0')}`, 30 - i);
  advance(1000);
  assert.deepEqual(counted.top().map((t) => t.topic), Array.from({ length: TOP_TOPICS }, (_, i) => `t${String(i).padStart(2, '0')}`));
});

test('a publisher spraying distinct topics neither grows the tally nor pushes a busy topic out', () => {
  const { counted, advance } = tally();
  const tracked = () => (counted as unknown as { counts: Map<string, number> }).counts.size;
  for (let i = 0; i < 100_000; i++) {
    counted.count(`spray:${i}`);
    if (i % 10 === 0) counted.count('busy');
  }
  assert.equal(tracked(), TALLY_SLOTS);
  advance(1000);
  const [first] = counted.top();
  assert.equal(first!.topic, 'busy');
  // Space-Saving overestimates by at most the smallest count: busy's 10,000 stays within that bound.
  assert.ok(first!.perSecond >= 10_000 && first!.perSecond <= 10_000 + 100_000 / TALLY_SLOTS, String(first!.perSecond));
});

test('Space-Saving bounds hold on a skewed stream: heavy topics tracked, counts over by at most the least', () => {
  const { counted } = tally();
  const exact = new Map<string, number>();
  let seed = 7;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const total = 50_000;
  for (let i = 0; i < total; i++) {
    // Zipf-like over 2,000 topics: a few busy ones, a long tail.
    const topic = `t${Math.floor(2000 ** random())}`;
    exact.set(topic, (exact.get(topic) ?? 0) + 1);
    counted.count(topic);
  }
  const tracked = (counted as unknown as { counts: Map<string, number> }).counts;
  const least = Math.min(...tracked.values());
  for (const [topic, estimate] of tracked) {
    const truth = exact.get(topic)!;
    assert.ok(estimate >= truth && estimate <= truth + least, `${topic}: ${truth} ≤ ${estimate} ≤ ${truth} + ${least}`);
  }
  for (const [topic, truth] of exact) if (truth > total / TALLY_SLOTS) assert.ok(tracked.has(topic), `${topic} (${truth}) is tracked`);
});
