/**
 * The floor for any server on this uWS binding: bare uWebSockets.js that takes the publisher's
 * frame and republishes its bytes unchanged to the topic's subscribers. No decode, no sequence
 * numbers, no history, no copy in JavaScript: per publication it reads the topic's offsets and calls
 * `app.publish`. Whatever a real server costs beyond this is its own work.
 *
 * For that to be countable, the publisher (the `relay` dialect, loadtest/dialects/dialect.ts) sends frames
 * already shaped as the Message frame `[20, topic, seq, data]` that the generator's scanner counts,
 * with the per-topic seq numbered on its side. Subscribe and Rpc still go through the tiny protocol:
 * they are rare, and the generator needs their Replies.
 */
import { describeUws, listenExclusive, listenPort, loadUws, closeListenSocket } from '../../../src/server/uws/binding.js';
import { runServerEntry } from '../servers/entry.js';
import { messageTopicSpan } from './relay-frame.js';
import { createTinyProtocol, MAX_BACKPRESSURE_BYTES } from './tiny-protocol.js';

runServerEntry(async () => {
  const binding = loadUws();
  const app = binding.uws.App();
  const protocol = createTinyProtocol<import('../../../src/server/uws/binding.js').WebSocket<unknown>>({
    subscribe: (ws, topics) => topics.forEach((topic) => ws.subscribe(topic)),
    // The relay dialect never sends Publish frames; anything that does is not relayed.
    publish: () => {},
    reply: (ws, bytes) => ws.send(bytes, true),
  });
  app.ws('/*', {
    compression: binding.uws.DISABLED,
    maxPayloadLength: 256 * 1024,
    maxBackpressure: MAX_BACKPRESSURE_BYTES,
    idleTimeout: 120,
    message: (ws, message) => {
      const bytes = new Uint8Array(message);
      const span = messageTopicSpan(bytes);
      // uWS copies the topic and the message during publish: views into its buffer are enough.
      if (span !== undefined) app.publish(bytes.subarray(span[0], span[1]), message, true);
      else protocol.onMessage(ws, bytes);
    },
  });
  const socket = await new Promise<NonNullable<Parameters<Parameters<typeof listenExclusive>[4]>[0]>>((resolve, reject) =>
    listenExclusive(binding, app, '127.0.0.1', 0, (listen) => (listen ? resolve(listen) : reject(new Error('uWS could not listen')))),
  );
  return { port: listenPort(binding, socket), build: `relay ${describeUws(binding)}`, close: () => closeListenSocket(binding, socket) };
});
