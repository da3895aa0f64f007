/**
 * The uWS WebSocket behavior: socket settings from the options, and each socket's open, message
 * and close events routed to the protocol front that accepted it.
 */
import type { ResolvedOptions } from '../config/options.js';
import type { Upgrader } from '../connection/upgrade.js';
import type { ProtocolFront } from '../fronts/front.js';
import type { WebSocket, WebSocketBehavior } from './binding.js';
import { uwsUpgradeHandler, type RefusalAnswers, type UserData } from './upgrade.js';

// Messages up to this multiple of maxPayloadBytes are received and refused with a clean 1009
// close; uWS itself drops anything larger without a close frame.
const HARD_PAYLOAD_FACTOR = 4;
// uWS stops queueing to a socket at this multiple of maxBackpressureBytes; the slow-consumer check
// moves a socket off native fan-out long before, unless it fills faster than the check runs.
const BACKPRESSURE_HARD_FACTOR = 2;

export interface SocketBehaviorDeps {
  options: Pick<ResolvedOptions, 'maxPayloadBytes' | 'maxBackpressureBytes' | 'idleTimeoutSeconds'>;
  front: ProtocolFront;
  upgrader: Upgrader;
  /** The binding's `DISABLED` compression constant. */
  compressionDisabled: number;
  /** How refused upgrades are answered (measured when the transport starts listening). */
  refusals: RefusalAnswers;
}

export function createSocketBehavior({ options, front, upgrader, compressionDisabled, refusals }: SocketBehaviorDeps): WebSocketBehavior<UserData> {
  return {
    compression: compressionDisabled,
    maxPayloadLength: options.maxPayloadBytes * HARD_PAYLOAD_FACTOR,
    // The slow-consumer policy acts at maxBackpressureBytes; uWS's own silent drop is the backstop.
    maxBackpressure: options.maxBackpressureBytes * BACKPRESSURE_HARD_FACTOR,
    closeOnBackpressureLimit: false,
    // uWS wants 0 or at least 8 seconds, in steps of 4.
    idleTimeout: Math.max(8, Math.ceil(options.idleTimeoutSeconds / 4) * 4),
    sendPingsAutomatically: true,
    upgrade: uwsUpgradeHandler(upgrader, front, refusals),

    open(ws: WebSocket<UserData>) {
      const connection = ws.getUserData().connection;
      connection.socket = ws;
      front.open(connection);
    },

    message(ws: WebSocket<UserData>, message: ArrayBuffer, isBinary: boolean) {
      front.message(ws.getUserData().connection, message, isBinary);
    },

    // No drain handler on purpose: uWS calls it on every writable event of every socket with
    // queued data, a JavaScript call per socket per event that cost fan-out at high load about
    // 3x (measured with the load harness). The periodic slow-consumer check also sees sockets
    // that drained, within slowConsumerCheckMs.

    close(ws: WebSocket<UserData>, code: number, message: ArrayBuffer) {
      const connection = ws.getUserData().connection;
      // Never touch the socket again: the front sees it already unset.
      connection.closed = true;
      connection.socket = undefined;
      front.close(connection, code, Buffer.from(message).toString('utf8'));
    },
  };
}
