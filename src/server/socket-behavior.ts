/**
 * The uWS WebSocket behavior: what happens on open, on each message and on close. Everything the
 * server owns (hub, session rules, counters, hooks) comes in through `SocketDeps`.
 */
import { CloseCode, ErrorCode } from '../protocol/codes.js';
import { ProtocolError, toError } from '../protocol/errors.js';
import { Kind, PROTOCOL_VERSION, type ClientFrame, type WelcomeLimits } from '../protocol/frames.js';
import { toClientFrame } from '../protocol/shapes.js';
import type { Connection, UserData } from './connection.js';
import type { Hub } from './hub.js';
import type { TrafficCounters } from './metrics.js';
import type { ResolvedOptions } from './options.js';
import type { Session } from './session.js';
import type { WebSocket, WebSocketBehavior } from './uws.js';

// Messages up to this multiple of maxPayloadBytes are received and refused with a clean 1009
// close; uWS itself drops anything larger without a close frame.
const HARD_PAYLOAD_FACTOR = 4;
// uWS stops queueing to a socket at this multiple of maxBackpressureBytes; the slow-consumer check
// moves a socket off native fan-out long before, unless it fills faster than the check runs.
const BACKPRESSURE_HARD_FACTOR = 2;

export interface SocketDeps {
  options: ResolvedOptions;
  hub: Hub;
  session: Session;
  traffic: TrafficCounters;
  upgrade: NonNullable<WebSocketBehavior<UserData>['upgrade']>;
  /** Runs an application hook, reporting what it throws or rejects with. */
  runHook: (connection: Connection, run: () => void | Promise<void>) => void;
  reportError: (error: Error, connection?: Connection) => void;
  /** The binding's `DISABLED` compression constant. */
  compressionDisabled: number;
}

export function createSocketBehavior(deps: SocketDeps): WebSocketBehavior<UserData> {
  const { options, hub, session, traffic, runHook } = deps;
  const limits: WelcomeLimits = {
    maxPayloadBytes: options.maxPayloadBytes,
    maxSubscriptions: options.maxSubscriptions,
    maxTopicBytes: options.maxTopicBytes,
  };

  const badFrame = (connection: Connection, err: unknown) => {
    traffic.badFrames++;
    connection.counters.badFrames++;
    if (err instanceof ProtocolError) session.error(connection, err.requestId, err.code, err.message);
    else session.error(connection, 0, ErrorCode.Internal, 'internal error');
  };

  const handle = (connection: Connection, frame: ClientFrame) => {
    try {
      session.handle(connection, frame);
    } catch (err) {
      // Nothing may escape into uWS: report it and answer INTERNAL, the connection stays usable.
      deps.reportError(toError(err), connection);
      if (!connection.closed) session.error(connection, 'id' in frame ? frame.id : 0, ErrorCode.Internal, 'internal error');
    }
  };

  return {
    compression: deps.compressionDisabled,
    maxPayloadLength: options.maxPayloadBytes * HARD_PAYLOAD_FACTOR,
    // The slow-consumer policy acts at maxBackpressureBytes; uWS's own silent drop is the backstop.
    maxBackpressure: options.maxBackpressureBytes * BACKPRESSURE_HARD_FACTOR,
    closeOnBackpressureLimit: false,
    // uWS wants 0 or at least 8 seconds, in steps of 4.
    idleTimeout: Math.max(8, Math.ceil(options.idleTimeoutSeconds / 4) * 4),
    sendPingsAutomatically: true,
    upgrade: deps.upgrade,

    open(ws: WebSocket<UserData>) {
      const connection = ws.getUserData().connection;
      connection.socket = ws;
      connection.guard?.armExpiry(connection, connection.guard.expiresAt);
      hub.add(connection);
      connection.sendFrame({ kind: Kind.Welcome, connectionId: connection.id, serverTime: Date.now(), version: PROTOCOL_VERSION, limits });
      const onOpen = options.onOpen;
      if (onOpen) runHook(connection, () => onOpen(connection));
    },

    message(ws: WebSocket<UserData>, message: ArrayBuffer, isBinary: boolean) {
      const connection = ws.getUserData().connection;
      traffic.messagesIn++;
      traffic.bytesIn += message.byteLength;
      connection.counters.messagesIn++;
      connection.counters.bytesIn += message.byteLength;
      if (message.byteLength > options.maxPayloadBytes) {
        ws.end(CloseCode.MessageTooBig, `message larger than ${options.maxPayloadBytes} bytes`);
        return;
      }
      const guard = connection.guard;
      if (guard !== undefined && !guard.allowBytes(message.byteLength)) {
        traffic.rateLimited++;
        ws.end(CloseCode.RateLimited, 'byte rate limit exceeded');
        return;
      }
      if (isBinary !== connection.codec.binary) {
        ws.end(CloseCode.UnsupportedData, connection.codec.binary ? 'msgpack mode takes binary messages' : 'JSON mode takes text messages');
        return;
      }
      // The ArrayBuffer is only valid during this callback: decode synchronously, right here.
      let values: unknown[];
      try {
        values = connection.codec.decode(new Uint8Array(message));
      } catch (err) {
        // An undecodable message counts as one frame, so garbage floods hit the same limit.
        if (guard !== undefined && !guard.allowFrames(1)) {
          traffic.rateLimited++;
          ws.end(CloseCode.RateLimited, 'message rate limit exceeded');
        } else {
          badFrame(connection, err);
        }
        return;
      }
      // Counted in frames, not messages: one message may carry many.
      if (guard !== undefined && !guard.allowFrames(Math.max(1, values.length))) {
        traffic.rateLimited++;
        ws.end(CloseCode.RateLimited, 'message rate limit exceeded');
        return;
      }
      for (const value of values) {
        if (connection.closed) return;
        let frame: ClientFrame;
        try {
          frame = toClientFrame(value);
        } catch (err) {
          badFrame(connection, err);
          continue;
        }
        handle(connection, frame);
      }
    },

    // No drain handler on purpose: uWS calls it on every writable event of every socket with
    // queued data, a JavaScript call per socket per event that cost fan-out at high load about
    // 3x (measured with the load harness). The periodic slow-consumer check also sees sockets
    // that drained, within slowConsumerCheckMs.

    close(ws: WebSocket<UserData>, code: number, message: ArrayBuffer) {
      const connection = ws.getUserData().connection;
      connection.closed = true;
      connection.socket = undefined;
      connection.guard?.dispose();
      hub.remove(connection);
      const reason = Buffer.from(message).toString('utf8');
      const onClose = options.onClose;
      if (onClose) runHook(connection, () => onClose(connection, code, reason));
    },
  };
}
