/**
 * The transport seam, HTTP side: one request/response exchange and the router HTTP routes are
 * registered on. Only `src/server/uws/` implements them; unit tests use fakes.
 */

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
   * Reads the whole body, rejecting with LimitError(PAYLOAD_TOO_LARGE) past `limit` bytes (after
   * reading the rest of a refused body, within a bound, so the refusal reaches the client). If the
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
