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
