/**
 * The one table of error codes (carried in Error frames and HTTP error bodies) and WebSocket close
 * codes, shared by server and client. Documented in docs/protocol.md; never renumber.
 */

/** A row of the error table. `retry` tells a client whether repeating the same request may succeed. */
export interface CodeInfo {
  readonly code: number;
  readonly name: string;
  readonly retry: boolean;
  readonly description: string;
}

/** Error codes in Error frames (`[22, id, code, message]`) and, by name, in HTTP `{error, code}` bodies. */
export const ErrorCode = {
  /** Unexpected server failure; retry later. */
  Internal: 100,
  /** The message could not be decoded, or a frame has the wrong shape. */
  BadFrame: 101,
  /** The frame kind is not one the server accepts from clients. */
  UnknownKind: 102,
  /** A topic name is empty, too long or has forbidden characters. */
  InvalidTopic: 103,
  /** The connection or API key may not do this. */
  Forbidden: 104,
  /** No RPC handler with that method name. */
  NotFound: 105,
  /** The server did not answer in time (client-side RPC timeout, or a handler timeout). */
  Timeout: 106,
  /** A per-connection limit (e.g. subscriptions) would be exceeded. */
  LimitExceeded: 107,
  /** Missing or invalid credentials. */
  Unauthorized: 108,
  /** A message or HTTP body is larger than allowed. */
  PayloadTooLarge: 109,
  /** The server has no handler for this (e.g. Send without an onMessage hook). */
  Unsupported: 110,
  /** An RPC or onMessage handler failed; the message is the handler's. */
  HandlerFailed: 111,
  /** The connection closed before the answer arrived (client-side only). */
  Disconnected: 112,
  /** The HTTP request is malformed (bad JSON, wrong field types). */
  BadRequest: 113,
  /** The token presented (connection or Refresh) has expired; get a new one. */
  TokenExpired: 114,
  /** Too many requests in too little time; wait (HTTP: `Retry-After`) and retry. */
  RateLimited: 115,
  /** The server is at capacity (connections, connection attempts, authentication backlog); retry later. */
  Overloaded: 116,
  /** History or presence was asked for a topic this connection is not subscribed to. */
  NotSubscribed: 120,
  /** The engine's shared store (Redis) cannot be reached: nothing was published; retry later. */
  EngineUnavailable: 121,
  /**
   * The publish reached the engine's store but no answer came back (timeout, dropped connection):
   * it may have been published, or may still be. Retry with the same idempotency key.
   */
  PublishOutcomeUnknown: 122,
} as const;

export type ErrorCodeValue = (typeof ErrorCode)[keyof typeof ErrorCode];

const ERROR_ROWS: readonly CodeInfo[] = [
  { code: ErrorCode.Internal, name: 'INTERNAL', retry: true, description: 'unexpected server failure' },
  { code: ErrorCode.BadFrame, name: 'BAD_FRAME', retry: false, description: 'undecodable message or wrong frame shape' },
  { code: ErrorCode.UnknownKind, name: 'UNKNOWN_KIND', retry: false, description: 'frame kind not accepted from clients' },
  { code: ErrorCode.InvalidTopic, name: 'INVALID_TOPIC', retry: false, description: 'topic empty, too long or with forbidden characters' },
  { code: ErrorCode.Forbidden, name: 'FORBIDDEN', retry: false, description: 'not permitted for this connection or key' },
  { code: ErrorCode.NotFound, name: 'NOT_FOUND', retry: false, description: 'no such RPC method or resource' },
  { code: ErrorCode.Timeout, name: 'TIMEOUT', retry: true, description: 'no answer in time' },
  { code: ErrorCode.LimitExceeded, name: 'LIMIT_EXCEEDED', retry: false, description: 'a per-connection limit would be exceeded' },
  { code: ErrorCode.Unauthorized, name: 'UNAUTHORIZED', retry: false, description: 'missing or invalid credentials' },
  { code: ErrorCode.PayloadTooLarge, name: 'PAYLOAD_TOO_LARGE', retry: false, description: 'message or body larger than allowed' },
  { code: ErrorCode.Unsupported, name: 'UNSUPPORTED', retry: false, description: 'the server has no handler for this' },
  { code: ErrorCode.HandlerFailed, name: 'HANDLER_FAILED', retry: false, description: 'the application handler failed' },
  { code: ErrorCode.Disconnected, name: 'DISCONNECTED', retry: true, description: 'connection closed before the answer arrived' },
  { code: ErrorCode.BadRequest, name: 'BAD_REQUEST', retry: false, description: 'malformed HTTP request body or parameters' },
  { code: ErrorCode.TokenExpired, name: 'TOKEN_EXPIRED', retry: false, description: 'the token has expired; get a new one' },
  { code: ErrorCode.RateLimited, name: 'RATE_LIMITED', retry: true, description: 'too many requests; retry after a pause' },
  { code: ErrorCode.Overloaded, name: 'OVERLOADED', retry: true, description: 'the server is at capacity; retry later' },
  { code: ErrorCode.NotSubscribed, name: 'NOT_SUBSCRIBED', retry: false, description: 'history or presence asked for a topic not subscribed to' },
  { code: ErrorCode.EngineUnavailable, name: 'ENGINE_UNAVAILABLE', retry: true, description: 'the shared store cannot be reached; nothing was published, retry later' },
  {
    code: ErrorCode.PublishOutcomeUnknown,
    name: 'PUBLISH_OUTCOME_UNKNOWN',
    retry: true,
    description: 'the publish was sent but not answered: it may have been published; retry with the same idempotency key',
  },
];

/**
 * WebSocket close codes. 1000–1011 are RFC 6455; 4000–4499 mean "reconnect with backoff",
 * 4500–4999 mean "do not reconnect without a change (new token, new code)".
 */
export const CloseCode = {
  /** Normal closure (client or application asked for it). */
  Normal: 1000,
  /** Server shutting down or restarting; reconnect with backoff. */
  GoingAway: 1001,
  /** A text message in msgpack mode or a binary message in JSON mode. */
  UnsupportedData: 1003,
  /** A message larger than the announced `maxPayloadBytes`. */
  MessageTooBig: 1009,
  /** The server hit an unexpected condition. */
  InternalError: 1011,
  /** This server is restarting (a drain or a rolling restart); others serve: reconnect promptly and recover. */
  ServiceRestart: 1012,
  /** Closed by the server application with no more specific reason; reconnect with backoff. */
  ServerClosed: 4000,
  /** The connection token expired and was not refreshed in time; reconnect with a fresh token. */
  TokenExpired: 4001,
  /** The connection sent more messages or bytes than its rate limit allows; reconnect with backoff. */
  RateLimited: 4002,
  /** The connection could not keep up with its topics (slow-consumer policy `close`); reconnect and recover. */
  SlowConsumer: 4003,
  /** Authentication (token check plus the authenticate hook) did not finish in time; reconnect with backoff. */
  AuthTimeout: 4004,
  /** The application's backend (a `backend.connectUrl` hook) could not be reached or answered badly; reconnect with backoff. */
  BackendUnavailable: 4005,
  /** The client broke the protocol badly enough that the server will not continue; do not reconnect. */
  ProtocolViolation: 4500,
  /** A backend disconnected this user through the HTTP API; do not reconnect automatically. */
  Kicked: 4501,
  /** The server application refused this connection; do not reconnect without new credentials. */
  Forbidden: 4503,
  /** No token, or a token that cannot work (bad signature, algorithm, issuer, audience; refused by the authenticate hook). */
  Unauthorized: 4504,
  /** The page's Origin is not in the server's allowlist. */
  OriginNotAllowed: 4505,
  /** The client offered only subprotocols this server does not speak (a typo, or another protocol). */
  UnsupportedSubprotocol: 4506,
} as const;

export type CloseCodeValue = (typeof CloseCode)[keyof typeof CloseCode];

const CLOSE_ROWS: readonly CodeInfo[] = [
  { code: CloseCode.Normal, name: 'NORMAL', retry: false, description: 'normal closure' },
  { code: CloseCode.GoingAway, name: 'GOING_AWAY', retry: true, description: 'server shutting down or restarting' },
  { code: CloseCode.UnsupportedData, name: 'UNSUPPORTED_DATA', retry: false, description: 'text frame in msgpack mode or binary frame in JSON mode' },
  { code: CloseCode.MessageTooBig, name: 'MESSAGE_TOO_BIG', retry: false, description: 'message larger than maxPayloadBytes' },
  { code: CloseCode.InternalError, name: 'INTERNAL_ERROR', retry: true, description: 'unexpected server condition' },
  { code: CloseCode.ServiceRestart, name: 'SERVICE_RESTART', retry: true, description: 'server draining for a restart; reconnect promptly and recover from history' },
  { code: CloseCode.ServerClosed, name: 'SERVER_CLOSED', retry: true, description: 'closed by the server application' },
  { code: CloseCode.TokenExpired, name: 'TOKEN_EXPIRED', retry: true, description: 'connection token expired without a refresh; reconnect with a new token' },
  { code: CloseCode.RateLimited, name: 'RATE_LIMITED', retry: true, description: 'message or byte rate limit exceeded; reconnect with backoff' },
  { code: CloseCode.SlowConsumer, name: 'SLOW_CONSUMER', retry: true, description: 'could not keep up; reconnect and recover from history' },
  { code: CloseCode.AuthTimeout, name: 'AUTH_TIMEOUT', retry: true, description: 'authentication did not finish in time; reconnect with backoff' },
  { code: CloseCode.BackendUnavailable, name: 'BACKEND_UNAVAILABLE', retry: true, description: 'the backend connect hook failed; reconnect with backoff' },
  { code: CloseCode.ProtocolViolation, name: 'PROTOCOL_VIOLATION', retry: false, description: 'protocol broken beyond recovery' },
  { code: CloseCode.Kicked, name: 'KICKED', retry: false, description: 'disconnected by a backend through the HTTP API' },
  { code: CloseCode.Forbidden, name: 'FORBIDDEN', retry: false, description: 'connection refused by the application' },
  { code: CloseCode.Unauthorized, name: 'UNAUTHORIZED', retry: false, description: 'token missing or invalid; reconnect only with a different token' },
  { code: CloseCode.OriginNotAllowed, name: 'ORIGIN_NOT_ALLOWED', retry: false, description: 'the page origin is not allowed' },
  { code: CloseCode.UnsupportedSubprotocol, name: 'UNSUPPORTED_SUBPROTOCOL', retry: false, description: 'none of the offered subprotocols is spoken here' },
];

const errorByCode = new Map(ERROR_ROWS.map((row) => [row.code, row]));
const closeByCode = new Map(CLOSE_ROWS.map((row) => [row.code, row]));

/** The documented row for an error code, or undefined for an unknown code. */
export function errorInfo(code: number): CodeInfo | undefined {
  return errorByCode.get(code);
}

/** The stable upper-case name of an error code (`INVALID_TOPIC`), or `UNKNOWN` for an unknown code. */
export function errorName(code: number): string {
  return errorByCode.get(code)?.name ?? 'UNKNOWN';
}

/** The documented row for a close code, or undefined when it is not in the table. */
export function closeInfo(code: number): CodeInfo | undefined {
  return closeByCode.get(code);
}

/**
 * Whether a client should reconnect after a close with this code. Codes outside the table follow
 * their range: 1006 (abnormal, e.g. network loss) and 4000–4499 reconnect; 4500–4999 do not.
 */
export function shouldReconnect(code: number): boolean {
  const row = closeByCode.get(code);
  if (row) return row.retry;
  if (code >= 4500 && code <= 4999) return false;
  return true;
}

/** All rows, for documentation generators and tests. */
export const ERROR_TABLE = ERROR_ROWS;
export const CLOSE_TABLE = CLOSE_ROWS;
