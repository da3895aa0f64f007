/**
 * The hand-written bytes of a refused upgrade, read back by ws's own frame parser (a client-side
 * Receiver: it rejects masked frames, RSV bits and oversized control frames as a browser does).
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import type { Writable } from 'node:stream';
import { test } from 'node:test';
import { layoutOf } from '../../../../src/server/uws/answer-layout.js';
import { closeFrame, REFUSAL_HEADER, refusalBytes, RefusedSocket, serverFrame, usableLayout, webSocketAccept } from '../../../../src/server/uws/refusal-answer.js';
import { SendStatus } from '../../../../src/server/transport/socket.js';

const require = createRequire(import.meta.url);
// ws's frame parser is not in its type definitions: typed here as far as this test uses it.
const { Receiver } = require('ws') as { Receiver: new (options: { isServer: boolean }) => Writable };

type Parsed = { message: string; binary: boolean } | { close: number; reason: string } | { pong: string };

/** Every frame in `bytes` as ws parses it; rejects with the parser's error. */
async function parse(bytes: Buffer): Promise<Parsed[]> {
  const receiver = new Receiver({ isServer: false });
  const parsed: Parsed[] = [];
  receiver.on('message', (data: Buffer, binary: boolean) => parsed.push({ message: data.toString('utf8'), binary }));
  receiver.on('conclude', (code: number, reason: Buffer) => parsed.push({ close: code, reason: reason.toString('utf8') }));
  receiver.on('pong', (data: Buffer) => parsed.push({ pong: data.toString('latin1') }));
  // A parse error comes both to the write callback and as an 'error' event.
  await new Promise<void>((resolve, reject) => {
    receiver.once('error', reject);
    receiver.write(bytes, (err?: Error | null) => (err ? reject(err) : resolve()));
  });
  return parsed;
}

test('Sec-WebSocket-Accept is the RFC 6455 §1.3 example answer', () => {
  assert.equal(webSocketAccept('dGhlIHNhbXBsZSBub25jZQ=='), 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
});

test('text and binary frames of every length class (7-bit, 16-bit, 64-bit) parse back unchanged', async () => {
  for (const length of [0, 125, 126, 65_535, 65_536]) {
    const text = 'x'.repeat(length);
    assert.deepEqual(await parse(serverFrame(0x1, Buffer.from(text))), [{ message: text, binary: false }], `text of ${length} bytes`);
    assert.deepEqual(await parse(serverFrame(0x2, Buffer.from(text))), [{ message: text, binary: true }], `binary of ${length} bytes`);
  }
});

test('a close frame carries its code and reason; code 0 sends none (read as 1005)', async () => {
  assert.deepEqual(await parse(closeFrame(4504, 'invalid token')), [{ close: 4504, reason: 'invalid token' }]);
  assert.deepEqual(await parse(closeFrame(0, '')), [{ close: 1005, reason: '' }]);
  // Too long a reason would make an invalid control frame: cut at 123 bytes, as uWS's end() does.
  assert.deepEqual(await parse(closeFrame(4009, 'r'.repeat(200))), [{ close: 4009, reason: 'r'.repeat(123) }]);
});

test('a refused socket keeps what the front wrote and its close, and drops writes after end()', async () => {
  const socket = new RefusedSocket();
  assert.equal(socket.send('{"event":"pusher:error"}'), SendStatus.Success);
  socket.cork(() => socket.send(new Uint8Array([1, 2, 3]), true));
  socket.end(4009, 'Unknown app');
  assert.equal(socket.send('late'), SendStatus.Dropped);
  socket.end(1000, 'again');
  assert.equal(socket.closed?.code, 4009);
  assert.equal(socket.closed?.reason, 'Unknown app');
  assert.equal(socket.getBufferedAmount(), 0);
  assert.deepEqual(await parse(Buffer.concat([...socket.frames, socket.closed!.frame])), [
    { message: '{"event":"pusher:error"}', binary: false },
    { message: '\u0001\u0002\u0003', binary: true },
    { close: 4009, reason: 'Unknown app' },
  ]);
});

// What uWS 20.30 writes after our last header line in res.end(body, true) (read off a real answer).
const ADDED = 'Connection: close\r\nDate: Mon, 07 Dec 2026 18:51:30 GMT\r\nuWebSockets: 20\r\n';

test('the probe answer gives the length of the header lines uWS adds; an unexpected shape gives none', () => {
  const probe = (added: string, end = 'Content-Length: 5\r\n\r\nprobe') => `HTTP/1.1 101 Switching Protocols\r\nX-Probe: 1\r\n${added}${end}`;
  assert.deepEqual(layoutOf(probe(ADDED)), { addedHeaderBytes: ADDED.length });
  assert.deepEqual(layoutOf(probe('Date: Mon, 07 Dec 2026 18:51:30 GMT\r\n')), { addedHeaderBytes: 37 });
  assert.equal(layoutOf(probe(ADDED, 'Transfer-Encoding: chunked\r\n\r\n5\r\nprobe\r\n0\r\n\r\n')), undefined);
  assert.equal(layoutOf(probe('not a header line')), undefined);
  assert.equal(layoutOf(probe('Content-Length: 5\r\n')), undefined);
  assert.equal(layoutOf(''), undefined);
});

test('the answer as uWS sends it: a head without Content-Length, then the frames, a Pong swallowing uWS\'s lines, the close', async () => {
  const socket = new RefusedSocket();
  socket.send('{"event":"pusher:error","data":{"code":4001,"message":"App key not in this cluster"}}');
  socket.end(4001, 'App key not in this cluster');
  const bytes = refusalBytes(socket.frames, socket.closed!.frame, { addedHeaderBytes: ADDED.length });
  // uWS: our header line and its CRLF, its added lines, Content-Length and the blank line, the body.
  const head = `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n${REFUSAL_HEADER}: `;
  const wire = Buffer.concat([Buffer.from(head, 'latin1'), bytes.headerValue, Buffer.from(`\r\n${ADDED}Content-Length: ${bytes.body.length}\r\n\r\n`, 'latin1'), bytes.body]);
  const end = wire.indexOf('\r\n\r\n');
  assert.equal(wire.toString('latin1', 0, end), `${head}1`);
  assert.deepEqual(await parse(wire.subarray(end + 4)), [
    { message: '{"event":"pusher:error","data":{"code":4001,"message":"App key not in this cluster"}}', binary: false },
    { pong: `\r\n${ADDED}Content-Length: ${bytes.body.length}\r\n\r\n` },
    { close: 4001, reason: 'App key not in this cluster' },
  ]);
});

test('a layout is usable only if uWS\'s lines fit in one Pong with the longest close frame\'s Content-Length', () => {
  // 2 (our CRLF) + added + 23 ("Content-Length: 127\r\n\r\n") against the 125 bytes of a control frame.
  assert.equal(usableLayout({ addedHeaderBytes: 100 }), true);
  assert.equal(usableLayout({ addedHeaderBytes: 101 }), false);
  assert.equal(usableLayout({ addedHeaderBytes: ADDED.length }), true);
  assert.equal(layoutOf(`HTTP/1.1 101 Switching Protocols\r\nX-Probe: 1\r\n${'X-Long: 1234\r\n'.repeat(8)}Content-Length: 5\r\n\r\nprobe`), undefined);
});
