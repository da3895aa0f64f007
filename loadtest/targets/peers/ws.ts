/**
 * The `ws` peer: the same tiny protocol on the `ws` package (with its native bufferutil and
 * utf-8-validate add-ons, no compression). Fan-out is a loop over each topic's sockets; a socket with
 * more than 1 MiB queued is skipped, mirroring uWS's maxBackpressure, so a slow reader cannot
 * grow the server without bound.
 */
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { Subprotocol } from '../../../src/protocol/index.js';
import { runServerEntry } from '../servers/entry.js';
import { createTinyProtocol, MAX_BACKPRESSURE_BYTES } from './tiny-protocol.js';

runServerEntry(async () => {
  const topics = new Map<string, Set<WebSocket>>();
  const subscriptions = new WeakMap<WebSocket, string[]>();
  const protocol = createTinyProtocol<WebSocket>({
    subscribe(ws, names) {
      for (const name of names) {
        let set = topics.get(name);
        if (set === undefined) topics.set(name, (set = new Set()));
        set.add(ws);
      }
      subscriptions.set(ws, [...(subscriptions.get(ws) ?? []), ...names]);
    },
    publish(topic, frame) {
      const set = topics.get(topic);
      if (set === undefined) return;
      for (const ws of set) if (ws.bufferedAmount <= MAX_BACKPRESSURE_BYTES) ws.send(frame, { binary: true });
    },
    reply: (ws, bytes) => ws.send(bytes, { binary: true }),
  });
  const wss = new WebSocketServer({
    host: '127.0.0.1',
    port: 0,
    perMessageDeflate: false,
    maxPayload: 256 * 1024,
    handleProtocols: (offered) => (offered.has(Subprotocol.msgpack) ? Subprotocol.msgpack : false),
  });
  wss.on('connection', (ws) => {
    ws.on('message', (data: Buffer, isBinary) => {
      if (isBinary) protocol.onMessage(ws, data);
    });
    ws.on('close', () => {
      for (const name of subscriptions.get(ws) ?? []) topics.get(name)?.delete(ws);
    });
    ws.on('error', () => {});
  });
  await new Promise<void>((resolve) => wss.once('listening', resolve));
  const { port } = wss.address() as AddressInfo;
  return { port, build: 'ws', close: () => new Promise<void>((resolve) => wss.close(() => resolve())) };
});
