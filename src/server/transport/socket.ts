/**
 * The transport seam: the few things the topic core, the connection rules and the HTTP routes
 * need from a WebSocket/HTTP server. Only `src/server/uws/` implements them (on uWebSockets.js);
 * unit tests implement them with fakes. Nothing here names a uWS type.
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

/** What an HTTP handler reads of a request, captured synchronously before any await. */
export interface HttpRequestInfo {
  readonly method: string;
  /** Path without the query string. */
  readonly url: string;
  /** The raw query string (without `?`); '' when absent. */
  readonly query: string;
  /** Route parameters (`:topic`), raw (still percent-encoded). */
  readonly parameters: readonly string[];
  /** Header value by lower-case name; '' when absent. */
  header(name: string): string;
  /** The TCP peer's address as text. */
  readonly peerAddress: string;
}

/**
 * One HTTP request/response, abort-safe: after the client went away, or once answered, writes
 * are ignored. Statuses are full status lines (`'200 OK'`).
 */
export interface HttpExchange {
  /** Whether the response can still be written. */
  readonly open: boolean;
  /** Called once if the client disconnects before the answer. */
  onAbort: (() => void) | undefined;
  /**
   * Reads the whole body, rejecting with LimitError(PAYLOAD_TOO_LARGE) past `limit` bytes. If the
   * request is aborted the promise never settles.
   */
  readBody(limit: number, declaredLength: number): Promise<Buffer>;
  /** Answers with a JSON body. */
  json(status: string, body: unknown, closeConnection?: boolean): void;
  /** Answers with a body of the given content type. */
  send(status: string, contentType: string, body: string, closeConnection?: boolean, headers?: Record<string, string>): void;
  /** Answers `{error, code}` for a thrown error (see http/errors.ts for the statuses). */
  fail(err: unknown, headers?: Record<string, string>, closeConnection?: boolean): void;
}

/** Handles one HTTP request. */
export type HttpHandler = (exchange: HttpExchange, request: HttpRequestInfo) => void;

/** Where HTTP routes are registered (`:name` parameters, `/*` catch-all). */
export interface HttpRouter {
  get(pattern: string, handler: HttpHandler): void;
  post(pattern: string, handler: HttpHandler): void;
  any(pattern: string, handler: HttpHandler): void;
}
