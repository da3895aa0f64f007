import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { TopicSet } from '../../../../src/server/connection/topic-set.js';
import { seeded } from '../../../helpers/fc-seed.js';

type Op = { op: 'add' | 'delete' | 'has'; topic: string } | { op: 'clear' };

// Few names, so sequences add, re-add and delete the same topics and cross the one-topic boundary often.
const topic = fc.constantFrom('a', 'b', 'c', 'd');
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constantFrom('add' as const, 'delete' as const, 'has' as const), topic }) },
  { weight: 1, arbitrary: fc.constant({ op: 'clear' as const }) },
);

test('a topic set answers every operation as a Set does, in the same order', () => {
  fc.assert(
    fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
      const topics = new TopicSet();
      const reference = new Set<string>();
      for (const step of ops) {
        if (step.op === 'clear') {
          topics.clear();
          reference.clear();
        } else if (step.op === 'add') {
          assert.equal(topics.add(step.topic), topics);
          reference.add(step.topic);
        } else {
          assert.equal(topics[step.op](step.topic), reference[step.op](step.topic), `${step.op} ${step.topic}`);
        }
        assert.equal(topics.size, reference.size);
        assert.deepEqual([...topics], [...reference]);
        assert.deepEqual([...topics.keys()], [...reference.keys()]);
        assert.deepEqual([...topics.entries()], [...reference.entries()]);
        const seen: string[] = [];
        topics.forEach((value, key, set) => {
          assert.equal(value, key);
          assert.equal(set, topics);
          seen.push(value);
        });
        assert.deepEqual(seen, [...reference]);
      }
    }),
    seeded('topic set vs Set'),
  );
});

test('deleting while iterating a topic set visits the rest, as a Set does', () => {
  const topics = new TopicSet().add('a').add('b').add('c');
  const visited: string[] = [];
  for (const name of topics) {
    visited.push(name);
    topics.delete(name);
  }
  assert.deepEqual(visited, ['a', 'b', 'c']);
  assert.equal(topics.size, 0);
});
