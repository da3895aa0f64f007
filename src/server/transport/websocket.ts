/**
 * The transport seam, WebSocket route: how an upgrade request is read and answered, the object the
 * transport keeps per socket (a peer), and the handler a socket's events go to. Generic in the
 * peer, so the transport never names a connection or a protocol front: the connection layer's
 * upgrader accepts connections, and protocol fronts handle them.
 */
import type { HttpExchange } from './http.js';
import type { SocketLike } from './socket.js';

/**
 * What the transport keeps per WebSocket: the object the upgrader accepted, handed back with every
 * event. The transport sets `socket` when the socket opens and unsets it, with `closed`, when it
 * closes, so a peer never touches a closed socket.
 */
export interface SocketPeer {
  /** The live socket between open and close; undefined before open and after close. */
  socket: SocketLike | undefined;
  /** Set by the transport once the socket closed. */
  closed: boolean;
  /** Set when the upgrade was refused: the handler's `open` writes the refusal and closes. */
  readonly refusal: { readonly code: number; readonly reason: string } | undefined;
  /** Closes the socket with a close code and a short reason. */
  close(code: number, reason: string): void;
}

/** Where a socket's events go (a protocol front), with the peer its upgrade accepted. */
export interface WebSocketHandler<P extends SocketPeer> {
  /** The socket is open (`peer.socket` is set). */
  open(peer: P): void;
  /** One WebSocket message. The buffer is only valid during this call: decode it synchronously. */
  message(peer: P, message: ArrayBuffer, isBinary: boolean): void;
  /** The socket closed (`peer.socket` is already unset). */
  close(peer: P, code: number, reason: string): void;
}

/** What an upgrader reads of the request; every method is called synchronously, before any await. */
export interface UpgradeInput {
  /** Path of the request. */
  readonly url: string;
  /** The raw query string (without `?`). */
  readonly query: string;
  /** The TCP peer's address as text. */
  readonly peerAddress: string;
  /** Header value by lower-case name; '' when absent. */
  header(name: string): string;
  /** Every header by lower-case name (read only when an authenticator needs them). */
  allHeaders(): Record<string, string>;
}

/** The answer side of an upgrade: an HTTP exchange that can also complete the upgrade. */
export interface UpgradeResponse<P extends SocketPeer> extends HttpExchange {
  /** Completes the upgrade: the socket that opens carries `peer`. */
  accept(peer: P, subprotocol: string): void;
  /**
   * Completes the upgrade only to refuse it: the handler's `open` writes the refusal to `peer`
   * (its `refusal` is set) and closes it, the transport sends all of it with the handshake, closes
   * the TCP connection at once whatever the peer does, then calls the handler's `close`. Does
   * nothing once the response is no longer `open`: the upgrader frees what the peer held then.
   */
  refuse(peer: P, subprotocol: string): void;
}

/** Decides one upgrade request and answers it through `response` (at once or after an await). */
export type Upgrader<P extends SocketPeer> = (request: UpgradeInput, response: UpgradeResponse<P>) => void;

/** Socket limits of a WebSocket route (the options of the same names, documented in config/options.ts). */
export interface WebSocketLimits {
  /** Largest WebSocket message accepted, in bytes; larger ones close the socket with 1009. */
  maxPayloadBytes: number;
  /** Bytes buffered for one socket before it counts as a slow consumer (the transport's own cap is a multiple). */
  maxBackpressureBytes: number;
  /** Seconds without traffic before a socket is closed; idle sockets are pinged before that. */
  idleTimeoutSeconds: number;
}
