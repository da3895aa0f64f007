/**
 * Text frames that are not UTF-8, on the two text doors (native JSON mode, Pusher). RFC 6455 §8.1
 * says the receiver MUST fail such a connection, and uWS does so in C++ before any JavaScript sees
 * the frame (the TCP connection is closed without a close frame: the peer reads 1006). What the
 * server owes is that only that socket goes, that it is forgotten like any closed socket, and that
 * text a real client can send (every WebSocket API encodes a string as UTF-8, a lone surrogate as
 * U+FFFD) keeps getting the documented error with the socket kept.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import WebSocket from 'ws';
import { ErrorCode, Kind, Subprotocol } from '../../src/protocol/index.js';
import { startBystander } from '../helpers/bystander.js';
import { APP } from '../helpers/pusher.js';
import { RawClient } from '../helpers/raw-client.js';
import { startServer, waitFor } from '../helpers/server.js';

// `[5,1` then a byte that is never UTF-8, then `]`: what a hand-made frame, not a WebSocket API, sends.
const NOT_UTF8 = Buffer.from([0x5b, 0x35, 0x2c, 0x31, 0xff, 0x5d]);

/** Opens a socket, waits for its first message, sends `payload` as a text frame and resolves with the close code. */
async function sendText(url: string, protocols: string[], payload: Buffer): Promise<number> {
  const ws = new WebSocket(url, protocols);
  ws.on('error', () => {});
  await new Promise((resolve) => ws.once('message', resolve));
  const closed = new Promise<number>((resolve) => ws.once('close', resolve));
  // ws sends a Buffer as is: no UTF-8 check on the way out.
  ws.send(payload, { binary: false });
  return closed;
}

describe('text frames that are not UTF-8', async () => {
  const { server, url, port } = await startServer({ pusher: { apps: [{ ...APP }] } });
  const bystander = await startBystander(server, url);

  test('native JSON mode and Pusher: only the sending socket is failed (RFC 6455 §8.1), and the server forgets it', async () => {
    const before = server.clients.size;
    assert.equal(await sendText(url, [Subprotocol.json], NOT_UTF8), 1006);
    assert.equal(await sendText(`ws://127.0.0.1:${port}/app/${APP.key}?protocol=7`, [], NOT_UTF8), 1006);
    await waitFor(() => server.clients.size === before, 5000, 'the failed sockets forgotten');
    await bystander.check();
  });

  test('a lone surrogate from a real client arrives as U+FFFD: the documented error, the socket kept', async () => {
    const raw = await RawClient.connect(url, { format: 'json' });
    raw.sendRaw('[1,1,["\uD800 bad"]]');
    const answer = await raw.answer(1);
    assert.equal(answer.kind, Kind.Error);
    assert.equal((answer as { code: number }).code, ErrorCode.InvalidTopic);
    raw.sendRaw('[5,2]');
    assert.equal((await raw.answer(2)).kind, Kind.Reply);
    raw.close();
    await bystander.check();
  });
});
