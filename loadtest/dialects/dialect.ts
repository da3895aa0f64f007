/**
 * How the generator speaks to each kind of server. Switchboard and the bare uWS and `ws` peers
 * speak protocol v1 (msgpack, through src/protocol). Socket.IO cannot: its engine.io framing wraps
 * everything, so its peer carries the same msgpack frames as binary attachments of Socket.IO events
 * (`s` subscribe with an ack, `p` publish, `m` message), and the receive path stays identical.
 * Pusher-protocol subscribers have their own dialect (pusher-dialect.ts).
 */
import { errorName, Kind, msgpackCodec, msgpackMessageFrame, packValue, Subprotocol, toServerFrame } from '../../src/protocol/index.js';
import type { WorkerRole } from '../generator/ipc.js';
import { pusherDialect } from './pusher-dialect.js';
import type { RawWebSocket } from '../generator/ws/raw-websocket.js';

export type DialectName = 'switchboard' | 'socketio' | 'relay' | 'pusher';

/** What a text message meant; `message` is a delivery whose topic, seq and stamp are in message-scan.ts's `scanned`. */
export type TextEvent = { type: 'ready' } | { type: 'reply'; id: number; error: boolean; reason?: string } | { type: 'message' } | { type: 'ignore' };

export interface Dialect {
  readonly name: DialectName;
  readonly path: string;
  readonly protocols: readonly string[];
  /** True when the connection is usable as soon as the 101 arrives. */
  readonly readyOnOpen: boolean;
  /** Sent right after the upgrade. */
  greet(ws: RawWebSocket): void;
  subscribe(ws: RawWebSocket, id: number, topics: string[]): void;
  /**
   * `data` is the stamped bin or the probe event (probe-text.ts); `seq` is this publication's number
   * on its topic (1, 2, …), which only the relay dialect sends.
   */
  publish(ws: RawWebSocket, topic: string, data: unknown, seq: number): void;
  /** True when the publisher numbers publications itself, so each topic must go through one connection to stay in order. */
  readonly numbersPublications: boolean;
  rpc(ws: RawWebSocket, id: number, method: string, data: Uint8Array): void;
  /** Interprets a text message in buf[start, end) (answering pings itself). */
  onText(ws: RawWebSocket, buf: Buffer, start: number, end: number): TextEvent;
  /**
   * Interprets a binary message the fast scanner did not recognise: an Error frame is a failed
   * reply, anything else (Welcome, Join, …) is ignored. Allocates; not on the hot path.
   */
  onOtherBinary(buf: Buffer, start: number, end: number): TextEvent;
}

const IGNORE: TextEvent = { type: 'ignore' };

function otherBinary(buf: Buffer, start: number, end: number): TextEvent {
  try {
    for (const value of msgpackCodec.decode(buf.subarray(start, end))) {
      const frame = toServerFrame(value);
      if (frame.kind === Kind.Error) return { type: 'reply', id: frame.id, error: true, reason: `${errorName(frame.code)}: ${frame.message}` };
    }
  } catch {
    // Not ours to judge: counted as ignored.
  }
  return IGNORE;
}

export const switchboardDialect: Dialect = {
  name: 'switchboard',
  path: '/',
  protocols: [Subprotocol.msgpack],
  readyOnOpen: true,
  numbersPublications: false,
  greet() {},
  subscribe: (ws, id, topics) => ws.sendBinary(msgpackCodec.encode({ kind: Kind.Subscribe, id, topics }) as Uint8Array),
  publish: (ws, topic, data) => ws.sendBinary(msgpackCodec.encode({ kind: Kind.Publish, id: 0, topic, data }) as Uint8Array),
  rpc: (ws, id, method, data) => ws.sendBinary(msgpackCodec.encode({ kind: Kind.Rpc, id, method, data }) as Uint8Array),
  onText: () => IGNORE,
  onOtherBinary: otherBinary,
};

// Socket.IO v4 over engine.io v4, WebSocket transport only. Packet prefixes: engine.io `0` open,
// `2` ping, `3` pong, `4` message; inside `4`, socket.io `0` connect, `2` event, `3` ack, `5`
// binary event. Event attachments follow as separate binary WebSocket messages.
const ATTACHMENT = '{"_placeholder":true,"num":0}';

export const socketIoDialect: Dialect = {
  name: 'socketio',
  path: '/socket.io/?EIO=4&transport=websocket',
  protocols: [],
  readyOnOpen: false,
  numbersPublications: false,
  greet: (ws) => ws.sendText('40'),
  subscribe: (ws, id, topics) => ws.sendText(`42${id}["s",${JSON.stringify(topics)}]`),
  publish(ws, topic, data) {
    ws.sendText(`451-["p",${ATTACHMENT}]`);
    ws.sendBinary(msgpackCodec.encode({ kind: Kind.Publish, id: 0, topic, data }) as Uint8Array);
  },
  rpc(ws, id, method, data) {
    ws.sendText(`451-${id}["r",${ATTACHMENT}]`);
    ws.sendBinary(msgpackCodec.encode({ kind: Kind.Rpc, id, method, data }) as Uint8Array);
  },
  onText(ws, buf, start, end) {
    // `45…` is the header of a binary event (a publication): by far the most common text message,
    // so it is recognised from two bytes without decoding it.
    if (end - start > 2 && buf[start] === 0x34 && buf[start + 1] === 0x35) return IGNORE;
    const text = buf.toString('utf8', start, end);
    if (text === '2') {
      ws.sendText('3');
      return IGNORE;
    }
    if (text.startsWith('40')) return { type: 'ready' };
    const ack = /^43(\d+)\[/.exec(text);
    if (ack) return { type: 'reply', id: Number(ack[1]), error: false };
    return IGNORE;
  },
  onOtherBinary: otherBinary,
};

/**
 * The relay peer's dialect: protocol v1 for everything but publishing, where the publisher sends
 * the finished Message frame `[20, topic, seq, data]` (numbered here) for the relay to forward
 * byte for byte. See loadtest/targets/peers/relay.ts.
 */
export const relayDialect: Dialect = {
  ...switchboardDialect,
  name: 'relay',
  numbersPublications: true,
  publish: (ws, topic, data, seq) => ws.sendBinary(msgpackMessageFrame(topic, seq, packValue(data))),
};

/** The dialect a worker of `role` speaks to a server of dialect `name`: Pusher runs publish and call natively. */
export function dialectFor(name: DialectName, role: WorkerRole = 'subscribers'): Dialect {
  if (name === 'pusher') return role === 'subscribers' || role === 'probes' ? pusherDialect : switchboardDialect;
  return name === 'socketio' ? socketIoDialect : name === 'relay' ? relayDialect : switchboardDialect;
}
