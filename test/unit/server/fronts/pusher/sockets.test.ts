import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PusherSockets } from '../../../../../src/server/fronts/pusher/sockets.js';

test('socket ids are Pusher-shaped and their process prefix has 48 random bits: a socket_id excluded on every node must not name a socket of another process', () => {
  const prefixes = Array.from({ length: 20 }, () => {
    const id = new PusherSockets().nextId();
    assert.match(id, /^\d+\.1$/);
    const prefix = Number(id.split('.')[0]);
    assert.ok(Number.isSafeInteger(prefix) && prefix > 0);
    return prefix;
  });
  // With 31 bits every prefix is below 2^31; with 48, all 20 below it has odds of 2^-340.
  assert.ok(prefixes.some((prefix) => prefix >= 2 ** 31), 'prefixes wider than 31 bits');
  assert.equal(new Set(prefixes).size, prefixes.length);
});
