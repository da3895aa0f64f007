/** The Pusher wire format and event decoding, without a network: the mapping docs/pusher.md states. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { packValue } from '../../../../../src/protocol/msgpack-value.js';
import { Kind } from '../../../../../src/protocol/frames.js';
import { decodeClientEvent, PusherInputError } from '../../../../../src/server/fronts/pusher/events.js';
import { pusherWire } from '../../../../../src/server/fronts/pusher/wire.js';

const message = (data: unknown) => JSON.parse(pusherWire.message('ch', 1, packValue(data)) as string);

test('{event, data} is that Pusher event; string data as is, other data JSON-encoded', () => {
  assert.deepEqual(message({ event: 'e', data: '{"a":1}' }), { event: 'e', channel: 'ch', data: '{"a":1}' });
  assert.deepEqual(message({ event: 'e', data: { a: 1 } }), { event: 'e', channel: 'ch', data: '{"a":1}' });
  assert.deepEqual(message({ event: 'client-x', data: {}, user_id: 'u' }), { event: 'client-x', channel: 'ch', data: '{}', user_id: 'u' });
});

test('any other data is the event "message" with the data JSON-encoded', () => {
  assert.deepEqual(message([1, 2]), { event: 'message', channel: 'ch', data: '[1,2]' });
  assert.deepEqual(message({ event: 'no data field' }), { event: 'message', channel: 'ch', data: '{"event":"no data field"}' });
  assert.deepEqual(message(null), { event: 'message', channel: 'ch', data: 'null' });
});

test('presence notices are member_added / member_removed; the format is never joined', () => {
  const added = JSON.parse(pusherWire.presence({ kind: Kind.Join, topic: 'presence-a', connectionId: 'c1', userId: 'u1', info: { n: 1 } }) as string);
  assert.deepEqual(added, { event: 'pusher_internal:member_added', channel: 'presence-a', data: '{"user_id":"u1","user_info":{"n":1}}' });
  const removed = JSON.parse(pusherWire.presence({ kind: Kind.Leave, topic: 'presence-a', connectionId: 'c1', userId: null }) as string);
  assert.deepEqual(removed, { event: 'pusher_internal:member_removed', channel: 'presence-a', data: '{"user_id":"c1"}' });
  assert.equal(pusherWire.join, undefined);
  assert.equal(pusherWire.ownPresence, true);
});

test('client messages decode to typed events; anything else is a PusherInputError', () => {
  assert.deepEqual(decodeClientEvent('{"event":"pusher:subscribe","data":{"channel":"a","auth":"k:s"}}'), { kind: 'subscribe', channel: 'a', auth: 'k:s', channelData: undefined });
  // Data as a JSON string, as some clients send it.
  assert.deepEqual(decodeClientEvent('{"event":"pusher:unsubscribe","data":"{\\"channel\\":\\"a\\"}"}'), { kind: 'unsubscribe', channel: 'a' });
  assert.deepEqual(decodeClientEvent('{"event":"client-t","channel":"private-a","data":{"x":1}}'), { kind: 'client', event: 'client-t', channel: 'private-a', data: { x: 1 } });
  for (const bad of ['', '{', 'null', '"s"', '{"event":"pusher:subscribe"}', '{"event":"client-t"}', '{"event":"other"}', '{"event":"pusher:subscribe","data":{"channel":"a","auth":5}}']) {
    assert.throws(() => decodeClientEvent(bad), PusherInputError, bad);
  }
});
