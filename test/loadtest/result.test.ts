/** Loss accounting (loadtest/report/result.ts) and topic assignment (loadtest/generator/connection-state.ts). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConnectionState, topicsFor } from '../../loadtest/generator/connection-state.js';
import type { TopicTally } from '../../loadtest/generator/ipc.js';
import { tallyLoss } from '../../loadtest/report/result.js';

function tallies(state: ConnectionState): TopicTally[] {
  const map = new Map<number, TopicTally>();
  state.addTo(map);
  return [...map.values()];
}

describe('ConnectionState + tallyLoss', () => {
  it('counts gaps, a lost tail, duplicates and out-of-order arrivals', () => {
    const state = new ConnectionState([0, 1]);
    for (const seq of [1, 2, 4, 4, 3, 5]) state.record(0, seq); // 3 arrives late, 4 twice
    for (const seq of [1, 2]) state.record(1, seq);
    assert.equal(state.record(7, 1), false, 'not subscribed to topic 7');
    // topic 0: seqs 1..5 expected, unique (new highest) 1,2,4,5 → 1 counted lost (3 came out of order)
    // topic 1: published 4, received 1,2 → tail of 2 lost
    const loss = tallyLoss(tallies(state), [5, 4]);
    assert.equal(loss.expected, 9);
    assert.equal(loss.duplicated, 1);
    assert.equal(loss.outOfOrder, 1);
    assert.equal(loss.lost, 3);
  });

  it('sums subscriptions of a topic across connections', () => {
    const a = new ConnectionState([0]);
    const b = new ConnectionState([0]);
    for (const seq of [1, 2, 3]) a.record(0, seq);
    b.record(0, 1);
    const loss = tallyLoss([...tallies(a), ...tallies(b)]);
    assert.equal(loss.expected, 6);
    assert.equal(loss.lost, 2);
  });

  it('knows which connections heard every topic since the mark', () => {
    const state = new ConnectionState([0, 1]);
    state.record(0, 1);
    state.mark();
    state.record(0, 2);
    assert.equal(state.aliveSinceMark(), false);
    state.record(1, 1);
    assert.equal(state.aliveSinceMark(), true);
  });
});

describe('topicsFor', () => {
  it('gives connection i the k topics from i·k, wrapping', () => {
    assert.deepEqual(topicsFor(0, 1, 10), [0]);
    assert.deepEqual(topicsFor(13, 1, 10), [3]);
    assert.deepEqual(topicsFor(3, 3, 10), [9, 0, 1]);
    assert.deepEqual(topicsFor(0, 5, 3), [0, 1, 2]);
  });
});
