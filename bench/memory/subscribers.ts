/**
 * The measurement's clients: N raw WebSocket connections (loadtest/ws, no per-message objects), each
 * subscribed to one topic and held idle. A connection counts once the server acknowledged its
 * Subscribe with a Reply, so every socket measured carries its subscription.
 */
import { codecFor, Kind, Subprotocol, toServerFrame, type Format } from '../../src/protocol/index.js';
import { RawWebSocket } from '../../loadtest/generator/ws/raw-websocket.js';

export interface SubscribersOptions {
  port: number;
  connections: number;
  /** Topics the connections spread over (connection i follows topic i mod topics). */
  topics: number;
  format: Format;
  /** Whether to offer the Switchboard subprotocol (the bare uWS peer has none and speaks msgpack). */
  offerSubprotocol: boolean;
  /** Connections upgrading at once. */
  concurrency: number;
}

/** Held connections. */
export interface Subscribers {
  /** Drops every connection (TCP reset, so no port lingers in TIME_WAIT). */
  reset(): void;
}

const SUBSCRIBE_ID = 1;

function subscribeOne(options: SubscribersOptions, topic: string): Promise<RawWebSocket> {
  const codec = codecFor(options.format);
  const subscribe = codec.encode({ kind: Kind.Subscribe, id: SUBSCRIBE_ID, topics: [topic] });
  return new Promise((resolve, reject) => {
    let subscribed = false;
    const ws: RawWebSocket = new RawWebSocket(
      { host: '127.0.0.1', port: options.port, path: '/', protocols: options.offerSubprotocol ? [Subprotocol[options.format]] : [] },
      {
        onOpen: () => {
          if (typeof subscribe === 'string') ws.sendText(subscribe);
          else ws.sendBinary(subscribe);
        },
        onMessage: (buf, start, end) => {
          for (const value of codec.decode(buf.subarray(start, end))) {
            const frame = toServerFrame(value);
            if (frame.kind === Kind.Reply && frame.id === SUBSCRIBE_ID && !subscribed) {
              subscribed = true;
              resolve(ws);
            } else if (frame.kind === Kind.Error) reject(new Error(`subscribe refused: ${frame.message}`));
          }
        },
        onClose: (code, reason) => {
          if (!subscribed) reject(new Error(`connection closed before subscribing: ${code} ${reason}`));
        },
      },
    );
  });
}

/** Opens and subscribes every connection; rejects on the first failure. */
export async function openSubscribers(options: SubscribersOptions): Promise<Subscribers> {
  const sockets: RawWebSocket[] = [];
  let next = 0;
  const worker = async () => {
    while (next < options.connections) {
      const i = next++;
      sockets.push(await subscribeOne(options, `memory-${i % options.topics}`));
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(options.concurrency, options.connections) }, worker));
  } catch (err) {
    for (const socket of sockets) socket.reset();
    throw err;
  }
  return {
    reset() {
      for (const socket of sockets) socket.reset();
    },
  };
}
