/**
 * The `pusher` dialect: subscribers speak the Pusher Channels protocol 7 as pusher-js does (JSON
 * text frames on `/app/<key>`). Connected on `pusher:connection_established`; one
 * `pusher:subscribe` per topic, subscribed once every channel answered
 * `pusher_internal:subscription_succeeded`; `pusher:ping` answered with `pusher:pong`. Deliveries
 * are read by pusher-scan.ts. Pusher has no publish from clients (client events aside) and no RPC,
 * so publishers and RPC callers of a Pusher run speak the native protocol (dialectFor).
 */
import type { Dialect, TextEvent } from './dialect.js';
import { scanPusherEvent } from './pusher-scan.js';
import { LOADTEST_PUSHER_APP } from '../targets/servers/pusher-app.js';
import type { RawWebSocket } from '../generator/ws/raw-websocket.js';

const IGNORE: TextEvent = { type: 'ignore' };
const READY: TextEvent = { type: 'ready' };
const MESSAGE: TextEvent = { type: 'message' };
const PONG = JSON.stringify({ event: 'pusher:pong', data: {} });

/** A connection's subscribe request still waiting for channels to answer. */
interface PendingSubscribe {
  id: number;
  remaining: number;
}

// Per connection, only while subscribing: the worker's connection state knows nothing of Pusher.
const pending = new WeakMap<RawWebSocket, PendingSubscribe>();

function control(ws: RawWebSocket, text: string): TextEvent {
  let message: { event?: unknown; channel?: unknown; data?: unknown };
  try {
    message = JSON.parse(text) as typeof message;
  } catch {
    return IGNORE;
  }
  switch (message.event) {
    case 'pusher:connection_established':
      return READY;
    case 'pusher:ping':
      ws.sendText(PONG);
      return IGNORE;
    case 'pusher_internal:subscription_succeeded': {
      const request = pending.get(ws);
      if (request === undefined || --request.remaining > 0) return IGNORE;
      pending.delete(ws);
      return { type: 'reply', id: request.id, error: false };
    }
    case 'pusher:subscription_error':
    case 'pusher:error': {
      const request = pending.get(ws);
      if (request === undefined) return IGNORE;
      pending.delete(ws);
      return { type: 'reply', id: request.id, error: true, reason: `${String(message.event)} ${JSON.stringify(message.data)}` };
    }
    default:
      return IGNORE;
  }
}

const nativeOnly = (what: string) => () => {
  throw new Error(`the pusher dialect does not ${what}: its publishers and rpc callers speak the native protocol`);
};

export const pusherDialect: Dialect = {
  name: 'pusher',
  path: `/app/${LOADTEST_PUSHER_APP.key}?protocol=7&client=js&version=8.4.0`,
  protocols: [],
  readyOnOpen: false,
  numbersPublications: true,
  greet() {},
  subscribe(ws, id, topics) {
    pending.set(ws, { id, remaining: topics.length });
    for (const channel of topics) ws.sendText(JSON.stringify({ event: 'pusher:subscribe', data: { channel } }));
  },
  publish: nativeOnly('publish'),
  rpc: nativeOnly('call'),
  onText(ws, buf, start, end) {
    // Deliveries first: they are nearly every frame a subscriber gets.
    return scanPusherEvent(buf, start, end) ? MESSAGE : control(ws, buf.toString('utf8', start, end));
  },
  // The Pusher protocol is text only; Switchboard never sends a Pusher socket a binary message.
  onOtherBinary: () => IGNORE,
};
