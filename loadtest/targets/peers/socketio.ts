/**
 * The Socket.IO peer: idiomatic Socket.IO 4 (rooms, `io.to(room).emit`, acks), WebSocket transport
 * only, no compression. Socket.IO cannot speak protocol v1, so the protocol's msgpack frames travel
 * as binary event attachments: `s` (subscribe, acked), `p` (publish frame), `r` (rpc frame, acked
 * with the Reply frame), `m` (Message frame). See loadtest/dialects/dialect.ts for the client side.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server, type Socket } from 'socket.io';
import { runServerEntry } from '../servers/entry.js';
import { createTinyProtocol } from './tiny-protocol.js';

runServerEntry(async () => {
  const http = createServer();
  const io = new Server(http, { serveClient: false, transports: ['websocket'], perMessageDeflate: false, maxHttpBufferSize: 256 * 1024 });
  // Acks are per request, so each `r` event hands the protocol a socket stand-in whose reply is the ack.
  const protocol = createTinyProtocol<{ socket: Socket; ack?: (bytes: Uint8Array) => void }>({
    subscribe: ({ socket }, topics) => void socket.join(topics),
    publish: (topic, frame) => void io.to(topic).emit('m', frame),
    reply: ({ ack }, bytes) => ack?.(bytes),
  });
  io.on('connection', (socket) => {
    socket.on('s', (topics: unknown, ack?: (value: null) => void) => {
      if (Array.isArray(topics)) socket.join(topics.filter((topic): topic is string => typeof topic === 'string'));
      ack?.(null);
    });
    socket.on('p', (bytes: unknown) => {
      if (bytes instanceof Uint8Array) protocol.onMessage({ socket }, bytes);
    });
    socket.on('r', (bytes: unknown, ack?: (reply: Uint8Array) => void) => {
      if (bytes instanceof Uint8Array) protocol.onMessage({ socket, ack }, bytes);
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  return { port, build: 'socket.io', close: () => new Promise<void>((resolve) => io.close(() => resolve())) };
});
