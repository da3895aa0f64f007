/**
 * A refused upgrade (4504 bad token) whose peer never answers the close frame. uWS's end() sends
 * the close frame and a FIN, then keeps the TCP connection until its end() timeout (4 to 16 s,
 * from idleTimeout) and gives JavaScript no handle to cut it sooner; the admission slot is freed at
 * end(), so a client that ignores close frames holds a server file descriptor per refusal for that
 * long, past the connection caps. The server should be rid of such a socket within about a second.
 *
 * Marked todo: not fixed yet (see the test's note). A raw net.Socket does the upgrade by hand and
 * keeps writing Ping frames; once the server has really closed the connection, a write fails.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { describe, test } from 'node:test';
import { SignJWT } from 'jose';
import { startBystander } from '../helpers/bystander.js';
import { startServer, waitFor } from '../helpers/server.js';

const PING = Buffer.from([0x89, 0x80, 1, 2, 3, 4]); // a masked, empty Ping frame

describe('a refused socket whose peer ignores the close frame', async () => {
  const secret = 'refused-socket-secret-0123456789';
  const { server, url, port } = await startServer({ jwtSecret: secret });
  const token = () => new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('watcher').setExpirationTime('1h').sign(new TextEncoder().encode(secret));
  const bystander = await startBystander(server, url, 'bystander', { token });

  test('is closed by the server within 2 s of the refusal', { todo: 'uWS end() keeps the socket until its end() timeout and invalidates the JS handle; needs the refusal written as a raw 101 + close frame with closeConnection (probed: works with ws, not yet checked in Chromium)' }, async () => {
    const socket = connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    let received = '';
    let gone = false;
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
    socket.on('error', () => (gone = true));
    socket.on('close', () => (gone = true));
    socket.write(`GET /?token=forged HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`);
    await waitFor(() => received.includes('invalid token'), 5000, 'the 4504 close frame');
    const pinging = setInterval(() => {
      if (!socket.destroyed) socket.write(PING);
    }, 100);
    try {
      await waitFor(() => gone, 2000, 'the server to close the TCP connection');
    } finally {
      clearInterval(pinging);
      socket.destroy();
    }
    assert.ok(gone);
    await bystander.check();
  });
});
