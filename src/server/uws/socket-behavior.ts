/**
 * The uWS WebSocket behavior: socket settings from the route's limits, and each socket's open,
 * message and close events routed to the handler (the protocol front) of the route that accepted it.
 */
import type { SocketPeer, Upgrader, WebSocketHandler, WebSocketLimits } from '../transport/websocket.js';
import type { WebSocket, WebSocketBehavior } from './binding.js';
import { uwsUpgradeHandler, type RefusalAnswers, type UserData } from './upgrade.js';

// Messages up to this multiple of maxPayloadBytes are received and refused with a clean 1009
// close; uWS itself drops anything larger without a close frame.
const HARD_PAYLOAD_FACTOR = 4;
// uWS stops queueing to a socket at this multiple of maxBackpressureBytes; the slow-consumer check
// moves a socket off native fan-out long before, unless it fills faster than the check runs.
const BACKPRESSURE_HARD_FACTOR = 2;

export interface SocketBehaviorDeps<P extends SocketPeer> {
  options: WebSocketLimits;
  handler: WebSocketHandler<P>;
  upgrader: Upgrader<P>;
  /** The binding's `DISABLED` compression constant. */
  compressionDisabled: number;
  /** How refused upgrades are answered (measured when the transport starts listening). */
  refusals: RefusalAnswers;
}

export function createSocketBehavior<P extends SocketPeer>({ options, handler, upgrader, compressionDisabled, refusals }: SocketBehaviorDeps<P>): WebSocketBehavior<UserData<P>> {
  return {
    compression: compressionDisabled,
    maxPayloadLength: options.maxPayloadBytes * HARD_PAYLOAD_FACTOR,
    // The slow-consumer policy acts at maxBackpressureBytes; uWS's own silent drop is the backstop.
    maxBackpressure: options.maxBackpressureBytes * BACKPRESSURE_HARD_FACTOR,
    closeOnBackpressureLimit: false,
    // uWS wants 0 or at least 8 seconds, in steps of 4.
    idleTimeout: Math.max(8, Math.ceil(options.idleTimeoutSeconds / 4) * 4),
    sendPingsAutomatically: true,
    upgrade: uwsUpgradeHandler(upgrader, handler, refusals),

    open(ws: WebSocket<UserData<P>>) {
      const peer = ws.getUserData().peer;
      peer.socket = ws;
      handler.open(peer);
    },

    message(ws: WebSocket<UserData<P>>, message: ArrayBuffer, isBinary: boolean) {
      handler.message(ws.getUserData().peer, message, isBinary);
    },

    // No drain handler on purpose: uWS calls it on every writable event of every socket with
    // queued data, a JavaScript call per socket per event that cost fan-out at high load about
    // 3x (measured with the load harness). The periodic slow-consumer check also sees sockets
    // that drained, within slowConsumerCheckMs.

    close(ws: WebSocket<UserData<P>>, code: number, message: ArrayBuffer) {
      const peer = ws.getUserData().peer;
      // Never touch the socket again: the front sees it already unset.
      peer.closed = true;
      peer.socket = undefined;
      handler.close(peer, code, Buffer.from(message).toString('utf8'));
    },
  };
}
