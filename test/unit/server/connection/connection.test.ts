import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Connection } from '../../../../src/server/connection/connection.js';
import { switchboardWire } from '../../../../src/server/fronts/switchboard/formats.js';
import { SendStatus } from '../../../../src/server/transport/socket.js';
import { FakeSocket } from '../../../helpers/fake-transport.js';

const host = { subscribe: () => ({}), unsubscribe: () => undefined };

function open() {
  const connection = new Connection(host, 'c1', 'u1', {}, '127.0.0.1', switchboardWire('msgpack'));
  const socket = new FakeSocket();
  connection.socket = socket;
  return { connection, socket };
}

test('close codes that may not be sent on the wire become 4000; reasons are cut to 123 UTF-8 bytes on a character boundary', () => {
  const { connection, socket } = open();
  connection.close(1005, 'é'.repeat(100));
  assert.equal(socket.closedWith?.code, 4000);
  const reason = socket.closedWith?.reason ?? '';
  assert.ok(Buffer.byteLength(reason) <= 123);
  assert.equal(reason, 'é'.repeat(61));
});

test('allowed codes pass unchanged', () => {
  for (const code of [1000, 1001, 1003, 1009, 1011, 3000, 4001, 4999]) {
    const { connection, socket } = open();
    connection.close(code, '');
    assert.equal(socket.closedWith?.code, code);
  }
});

test('a send the transport dropped reports false; a queued one (backpressure) reports true', () => {
  const { connection, socket } = open();
  socket.sendStatus = SendStatus.Dropped;
  assert.equal(connection.send('x'), false);
  socket.sendStatus = SendStatus.Backpressure;
  assert.equal(connection.send('x'), true);
});

test('every method is a no-op once the socket is gone', () => {
  const { connection, socket } = open();
  connection.socket = undefined;
  connection.closed = true;
  assert.equal(connection.send('x'), false);
  assert.equal(connection.sendPublication('t', 1, new Uint8Array([1])), false);
  assert.equal(connection.sendGap('t', 1), false);
  connection.close();
  connection.subscribe('t');
  assert.equal(connection.bufferedAmount, 0);
  assert.equal(socket.sent.length, 0);
});
