import assert from 'node:assert/strict';
import { test } from 'node:test';
import { negotiateSubprotocol, subprotocolsFor } from '../../../src/protocol/index.js';

test('defaults to msgpack and echoes nothing when no subprotocol is offered', () => {
  assert.deepEqual(negotiateSubprotocol(''), { format: 'msgpack', selected: undefined, token: undefined });
  assert.deepEqual(negotiateSubprotocol('chat, superchat'), { format: 'msgpack', selected: undefined, token: undefined });
});

test('picks the first of our formats in the client order and echoes it', () => {
  assert.deepEqual(negotiateSubprotocol('switchboard.v1.json'), { format: 'json', selected: 'switchboard.v1.json', token: undefined });
  assert.equal(negotiateSubprotocol('switchboard.v1.json, switchboard.v1.msgpack').format, 'json');
  assert.equal(negotiateSubprotocol('other,switchboard.v1.msgpack ,switchboard.v1.json').format, 'msgpack');
});

test('extracts the token entry and never selects it', () => {
  const negotiated = negotiateSubprotocol('switchboard.v1.json, switchboard.token.abc.def.ghi');
  assert.deepEqual(negotiated, { format: 'json', selected: 'switchboard.v1.json', token: 'abc.def.ghi' });
});

test('subprotocolsFor builds what negotiateSubprotocol reads', () => {
  assert.deepEqual(subprotocolsFor('msgpack'), ['switchboard.v1.msgpack']);
  assert.deepEqual(negotiateSubprotocol(subprotocolsFor('json', 'tok').join(', ')), { format: 'json', selected: 'switchboard.v1.json', token: 'tok' });
});
