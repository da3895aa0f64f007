import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Subscriptions } from '../../../src/client/subscriptions.js';

test('the first handler of a topic reports that the server must be told; the last removal too', () => {
  const subs = new Subscriptions();
  const one = () => {};
  const two = () => {};
  assert.equal(subs.add('t', one), true);
  assert.equal(subs.add('t', two), false);
  assert.equal(subs.remove('t', one), false);
  assert.equal(subs.remove('t', two), true);
  assert.deepEqual(subs.topics, []);
  assert.equal(subs.remove('never', one), false);
});

test('deliver calls every handler with data and context; a throwing handler does not stop the rest', () => {
  const subs = new Subscriptions();
  const got: unknown[] = [];
  const errors: Error[] = [];
  subs.add('t', () => {
    throw new Error('bug');
  });
  subs.add('t', (data, context) => got.push([data, context]));
  subs.deliver('t', 7, 'x', (error) => errors.push(error));
  subs.deliver('other', 1, 'y', (error) => errors.push(error));
  assert.deepEqual(got, [['x', { topic: 't', seq: 7 }]]);
  assert.deepEqual(errors.map((error) => error.message), ['bug']);
});

test('waiters wait for the next resubscribe batch, can be requeued, and fail together', async () => {
  const subs = new Subscriptions();
  const first = subs.waitForResubscribe('t');
  const waiters = subs.takeWaiters('t');
  assert.equal(waiters.length, 1);
  assert.deepEqual(subs.takeWaiters('t'), []);
  subs.enqueue('t', waiters);
  subs.takeWaiters('t').forEach((waiter) => waiter.resolve());
  await first;
  const second = subs.waitForResubscribe('u');
  subs.rejectWaiters(new Error('closed'));
  await assert.rejects(second, /closed/);
});
