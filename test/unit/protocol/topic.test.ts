import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertTopic, ErrorCode, ProtocolError, topicProblem } from '../../../src/protocol/index.js';

test('accepts visible-ASCII topics up to the byte limit', () => {
  for (const topic of ['a', 'prices:btc-usd', 'user:42', 'game/room.7', '~!@#$%^&*()_+{}|[]<>?', 'x'.repeat(256)]) {
    assert.equal(topicProblem(topic), null, topic);
  }
});

test('rejects empty, too long, non-string, whitespace, control and non-ASCII topics', () => {
  const cases: unknown[] = ['', 'x'.repeat(257), 42, null, ['t'], 'a b', 'tab\there', 'new\nline', 'nul\0', 'café', 'emoji😀', '\ufffd'];
  for (const topic of cases) assert.notEqual(topicProblem(topic), null, JSON.stringify(topic));
});

test('the limit is configurable', () => {
  assert.equal(topicProblem('abcd', 4), null);
  assert.match(topicProblem('abcde', 4) ?? '', /longer than 4/);
});

test('assertTopic throws INVALID_TOPIC', () => {
  assert.throws(() => assertTopic('bad topic'), (err: unknown) => err instanceof ProtocolError && err.code === ErrorCode.InvalidTopic);
});
