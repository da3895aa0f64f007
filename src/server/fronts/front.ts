/**
 * The protocol-front seam: one wire protocol's side of a WebSocket connection. The transport
 * routes a socket's events to the front that accepted it; the front speaks its protocol and calls
 * the topic core, which knows only topics, publications and subscribers. A front also brings its
 * wire formats (core/wire-format.ts) so the core can encode each publication once per format.
 */
import type { Connection } from '../connection/connection.js';
import type { Negotiated } from '../connection/upgrade.js';
import type { WireFormat } from '../core/wire-format.js';
import type { WebSocketHandler } from '../transport/websocket.js';

/** One wire protocol's front: the transport's handler of its sockets' events, for connections. */
export interface ProtocolFront extends WebSocketHandler<Connection> {
  /** The formats this front's sockets follow topics in. */
  readonly wires: readonly WireFormat[];
  /** Chooses the wire format (and subprotocol answer) from the `Sec-WebSocket-Protocol` header. */
  negotiate(subprotocolHeader: string): Negotiated;
}
