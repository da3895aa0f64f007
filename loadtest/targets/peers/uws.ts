/**
 * The ceiling for our stack: a bare uWebSockets.js server (through the same loader as Switchboard,
 * src/server/uws.ts) with the tiny protocol on the same codec, and uWS's native topic fan-out. No
 * sessions, hooks, auth, metrics or limits beyond uWS's own.
 */
import { describeUws, listenExclusive, listenPort, loadUws, closeListenSocket } from '../../../src/server/uws/binding.js';
import { runServerEntry } from '../servers/entry.js';
import { createTinyProtocol, MAX_BACKPRESSURE_BYTES } from './tiny-protocol.js';

runServerEntry(async () => {
  const binding = loadUws();
  const app = binding.uws.App();
  const protocol = createTinyProtocol<import('../../../src/server/uws/binding.js').WebSocket<unknown>>({
    subscribe: (ws, topics) => topics.forEach((topic) => ws.subscribe(topic)),
    publish: (topic, frame) => app.publish(topic, frame, true),
    reply: (ws, bytes) => ws.send(bytes, true),
  });
  app.ws('/*', {
    compression: binding.uws.DISABLED,
    maxPayloadLength: 256 * 1024,
    maxBackpressure: MAX_BACKPRESSURE_BYTES,
    idleTimeout: 120,
    // The message's memory is only valid during this callback; the codec copies what it keeps.
    message: (ws, message) => protocol.onMessage(ws, new Uint8Array(message)),
  });
  const socket = await new Promise<NonNullable<Parameters<Parameters<typeof listenExclusive>[4]>[0]>>((resolve, reject) =>
    listenExclusive(binding, app, '127.0.0.1', 0, (listen) => (listen ? resolve(listen) : reject(new Error('uWS could not listen')))),
  );
  return { port: listenPort(binding, socket), build: `bare ${describeUws(binding)}`, close: () => closeListenSocket(binding, socket) };
});
