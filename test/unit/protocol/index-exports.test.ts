/**
 * `switchboard-rt/protocol` is a public entry point: its runtime names are listed here so that a
 * move inside src/protocol cannot drop or add one unnoticed (index.ts names every export; no
 * `export *`).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import * as protocol from '../../../src/protocol/index.js';

const PUBLIC_NAMES = [
  'AuthError', 'CLOSE_TABLE', 'CloseCode', 'DEFAULT_MAX_TOPIC_BYTES', 'ERROR_TABLE', 'ErrorCode', 'Kind', 'LimitError',
  'MAX_MSGPACK_DEPTH', 'OptionsError', 'PROTOCOL_VERSION', 'ProtocolError', 'RemoteError', 'Subprotocol', 'SwitchboardError',
  'TOKEN_SUBPROTOCOL_PREFIX', 'TagLimits', 'assertStandardMsgpack', 'assertStandardMsgpackSequence', 'assertTopic', 'closeInfo', 'codecFor',
  'compileFilter', 'errorInfo', 'errorName', 'jsonCodec', 'jsonMessageFrame', 'msgpackCodec', 'msgpackMessageFrame', 'negotiateSubprotocol',
  'packValue', 'readFilter', 'readTags', 'scanStandardMsgpack', 'shouldReconnect', 'subprotocolsFor', 'toClientFrame', 'toError', 'toServerFrame', 'toWire',
  'topicProblem', 'unpackValue',
];

test('the protocol entry point exports exactly its public names', () => {
  assert.deepEqual(Object.keys(protocol).sort(), [...PUBLIC_NAMES].sort());
});

test('the protocol entry point names every export (no export *)', () => {
  const source = readFileSync(new URL('../../../src/protocol/index.ts', import.meta.url), 'utf8');
  assert.doesNotMatch(source, /export \*/);
});
