/**
 * Subscription count throttling without a network: a fake fan-out records what would be sent and
 * mocked timers stand in for the 5 s window, so the rule docs/pusher.md states is checked exactly.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, mock, test } from 'node:test';
import { LARGE_CHANNEL_INTERVAL_MS, SMALL_CHANNEL_SUBSCRIBERS, SubscriptionCounts } from '../../../../../src/server/fronts/pusher/subscription-counts.js';
import type { Fanout } from '../../../../../src/server/transport/socket.js';

beforeEach(() => mock.timers.enable({ apis: ['setTimeout', 'Date'] }));
afterEach(() => mock.timers.reset());

function setup() {
  const sent: Array<{ channel: string; count: number }> = [];
  const hooks: Array<{ channel: string; count: number }> = [];
  const counts = new Map<string, number>();
  const fanout: Fanout = {
    subscribe() {},
    unsubscribe() {},
    has: (_topic, format) => format === 'pusher',
    publish: (topic, _format, message) => sent.push({ channel: topic, count: JSON.parse(JSON.parse(message as string).data).subscription_count }),
    publishExcept() {},
  };
  const subject = new SubscriptionCounts({ fanout, count: (channel) => counts.get(channel) ?? 0, webhook: (channel, count) => hooks.push({ channel, count }) });
  const change = (channel: string, count: number) => {
    counts.set(channel, count);
    subject.changed(channel, count);
  };
  return { sent, hooks, change, subject };
}

test('a small channel hears of every change at once; presence channels never', () => {
  const { sent, hooks, change } = setup();
  change('room', 1);
  change('room', 2);
  change('room', 1);
  change('presence-room', 1);
  assert.deepEqual(sent.map((s) => s.count), [1, 2, 1]);
  assert.deepEqual(hooks, sent);
});

test('a channel over 100 gets at most one count per window, and the count the window ended with', () => {
  const { sent, change, subject } = setup();
  const big = SMALL_CHANNEL_SUBSCRIBERS + 1;
  change('big', big); // first change of a large channel: at once, and a window starts
  change('big', big + 1);
  change('big', big + 2);
  assert.deepEqual(sent.map((s) => s.count), [big]);
  mock.timers.tick(LARGE_CHANNEL_INTERVAL_MS - 1);
  assert.equal(sent.length, 1);
  mock.timers.tick(1);
  assert.deepEqual(sent.map((s) => s.count), [big, big + 2], 'the trailing send carries the latest count');
  change('big', big + 3); // within the new window
  assert.equal(sent.length, 2);
  change('big', 50); // back to small while the trailing send is pending: it reads 50
  mock.timers.tick(LARGE_CHANNEL_INTERVAL_MS);
  assert.deepEqual(sent.map((s) => s.count), [big, big + 2, 50]);
  change('big', 49); // small again: at once
  assert.deepEqual(sent.at(-1)!.count, 49);
  subject.close();
});
