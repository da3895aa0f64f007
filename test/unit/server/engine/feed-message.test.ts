import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeFeedMessage } from '../../../../src/server/engine/redis/feed-message.js';

const message = (...parts: Array<string | number[]>) => Buffer.concat(parts.map((part) => (typeof part === 'string' ? Buffer.from(part, 'utf8') : Buffer.from(part))));
const plain = (decoded: ReturnType<typeof decodeFeedMessage>) => (decoded?.type === 'publication' ? { ...decoded, payload: [...decoded.payload] } : decoded);

test('a publication without an exclusion is the p message it always was: payload bytes with colons kept whole', () => {
  assert.deepEqual(plain(decodeFeedMessage(message('pE1:7:', [0x3a, 0, 0xff]))), { type: 'publication', epoch: 'E1', seq: 7, payload: [0x3a, 0, 0xff] });
});

test('an x message carries the excluded connection id by byte length: colons and multi-byte characters in the id do not shift the payload', () => {
  assert.deepEqual(plain(decodeFeedMessage(message('xE1:7:7:123.456', [0x3a, 1]))), { type: 'publication', epoch: 'E1', seq: 7, payload: [0x3a, 1], exclude: '123.456' });
  const id = 'w1.a:b-ü';
  assert.deepEqual(plain(decodeFeedMessage(message(`xE1:8:${Buffer.byteLength(id)}:${id}`, [9]))), { type: 'publication', epoch: 'E1', seq: 8, payload: [9], exclude: id });
});

test('a malformed x message is dropped, never thrown at the subscriber or taken for a shorter id', () => {
  for (const bad of ['xE1:7:', 'xE1:7:0:', 'xE1:7:abc:1.2', 'xE1:7:99:1.2', 'xE1:7:-1:1.2', 'xE1:0:3:1.2', 'xE1']) {
    assert.equal(decodeFeedMessage(Buffer.from(bad)), undefined, bad);
  }
});

test('a g message carries tags (and an optional exclusion) by byte length: colons and multi-byte text do not shift the payload', () => {
  const tags = '{"venue":"x:1","side":"ü"}';
  const n = Buffer.byteLength(tags);
  const decoded = plain(decodeFeedMessage(message(`gE1:7:0:${n}:${tags}`, [0x3a, 1])));
  assert.deepEqual(decoded && { ...decoded, tags: { ...(decoded as { tags: object }).tags } }, { type: 'publication', epoch: 'E1', seq: 7, payload: [0x3a, 1], tags: { venue: 'x:1', side: 'ü' } });
  const excluded = plain(decodeFeedMessage(message(`gE1:8:3:a:b${n}:${tags}`, [2])));
  assert.equal(excluded?.type === 'publication' && excluded.exclude, 'a:b');
  assert.deepEqual(excluded?.type === 'publication' && excluded.payload, [2]);
});

test('a malformed g message is dropped, never thrown at the subscriber', () => {
  for (const bad of ['gE1:7:0:', 'gE1:7:0:5:{"a"', 'gE1:7:0:2:[]', 'gE1:7:0:7:{"a":1}', 'gE1:7:0:0:', 'gE1:7:9:a', 'gE1:7:0:99:{}']) {
    assert.equal(decodeFeedMessage(Buffer.from(bad)), undefined, bad);
  }
});
