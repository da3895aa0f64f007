/**
 * The transport seam, WebSocket side: one open socket and the native topic fan-out, as the topic
 * core and the connection rules see them. Only `src/server/uws/` implements them (on
 * uWebSockets.js); unit tests implement them with fakes. Nothing here names a uWS type.
 *
 * `SocketLike` deliberately uses the method names and results of a uWS WebSocket, so the uWS
 * adapter hands its sockets over as they are: no wrapper object per connection (memory per
 * connection is one of the figures we compete on).
 */

/** Result of `SocketLike.send`: written, queued behind earlier data, or dropped (over the hard backpressure cap). */
export const SendStatus = { Backpressure: 0, Success: 1, Dropped: 2 } as const;

/** One open WebSocket. Every method may be called only between open and close. */
export interface SocketLike {
  /** Sends one message; returns a `SendStatus`. */
  send(message: Uint8Array | string, isBinary?: boolean): number;
  /** Runs `fn` with writes batched into one syscall. */
  cork(fn: () => void): unknown;
  /** Starts the closing handshake with a code and a short reason (≤ 123 bytes). */
  end(code?: number, reason?: string): void;
  /** Bytes queued for this socket that the peer has not read yet. */
  getBufferedAmount(): number;
}

/**
 * Native topic fan-out. A publication is encoded once per wire format and handed over once; the
 * transport copies it to every socket that follows the topic in that format, outside JavaScript.
 */
export interface Fanout {
  /** From now on `socket` receives what is published to `topic` in `format`. */
  subscribe(socket: SocketLike, topic: string, format: string): void;
  /** Stops that; a closed socket has already been unsubscribed from everything by the transport. */
  unsubscribe(socket: SocketLike | undefined, topic: string, format: string): void;
  /** Whether any socket follows `topic` in `format` (so unused formats are never encoded). */
  has(topic: string, format: string): boolean;
  /** Sends `message` to every socket following `topic` in `format`. */
  publish(topic: string, format: string, message: Uint8Array | string, isBinary: boolean): void;
  /**
   * `publish`, except to `socket`, which must follow `topic` in `format` (a publication's sender).
   * The socket stays subscribed: nothing already published to it is disturbed.
   */
  publishExcept(socket: SocketLike, topic: string, format: string, message: Uint8Array | string, isBinary: boolean): void;
}
