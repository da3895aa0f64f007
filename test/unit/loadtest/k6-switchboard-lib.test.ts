import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Kind as ProtocolKind, jsonCodec, Subprotocol } from '../../../src/protocol/index.js';
import { durationMs, httpBaseFor, intParam, JSON_SUBPROTOCOL, Kind, parseFrames, SeqTracker, subscribeFrame } from '../../../loadtest/k6/lib/switchboard.js';

test('speaks the same JSON mode as src/protocol', () => {
  assert.equal(JSON_SUBPROTOCOL, Subprotocol.json);
  for (const name of ['Subscribe', 'Welcome', 'Message', 'Reply', 'Error'] as const) assert.equal(Kind[name], ProtocolKind[name]);
  assert.equal(subscribeFrame(3, ['a', 'b']), jsonCodec.encode({ kind: ProtocolKind.Subscribe, id: 3, topics: ['a', 'b'] }));
});

test('parseFrames splits a message on newlines and skips blank lines', () => {
  const message = jsonCodec.encodeBatch([
    { kind: ProtocolKind.Message, topic: 't', seq: 1, data: { text: 'a\nb' } },
    { kind: ProtocolKind.Reply, id: 2, data: null },
  ]) as string;
  assert.deepEqual(parseFrames(`${message}\n\n`), [[20, 't', 1, { text: 'a\nb' }], [21, 2, null]]);
  assert.throws(() => parseFrames('{"not":"a frame"}'), /not a Switchboard frame/);
  assert.throws(() => parseFrames('[20,'), SyntaxError);
});

test('SeqTracker counts gaps, duplicates and reordering per topic, from the first seq seen', () => {
  const tracker = new SeqTracker();
  assert.deepEqual(
    [tracker.see('a', 7), tracker.see('a', 8), tracker.see('b', 1), tracker.see('a', 11), tracker.see('a', 11), tracker.see('a', 9), tracker.see('b', 2)],
    ['first', 'next', 'first', 'gap', 'duplicate', 'out-of-order', 'next'],
  );
  assert.deepEqual({ received: tracker.received, lost: tracker.lost, duplicated: tracker.duplicated, outOfOrder: tracker.outOfOrder }, { received: 7, lost: 2, duplicated: 1, outOfOrder: 1 });
});

test('parameters: durations, integers and the HTTP base of a WebSocket URL', () => {
  assert.equal(durationMs('1.5s', '9s'), 1500);
  assert.equal(durationMs(undefined, '2m'), 120_000);
  assert.equal(durationMs('250ms', '1s'), 250);
  assert.throws(() => durationMs('soon', '1s'), /bad duration/);
  assert.equal(intParam({ N: '12' }, 'N', 1), 12);
  assert.equal(intParam({}, 'N', 1), 1);
  assert.throws(() => intParam({ N: '-1' }, 'N', 1), /N must be a non-negative integer/);
  assert.equal(httpBaseFor('ws://127.0.0.1:9001/path?token=x'), 'http://127.0.0.1:9001');
  assert.equal(httpBaseFor('wss://push.example.com'), 'https://push.example.com');
});
