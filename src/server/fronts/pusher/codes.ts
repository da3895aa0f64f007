/**
 * Pusher's error and close codes (protocol 7), grouped by what the client does next: 4000–4099
 * the connection is refused (do not reconnect), 4100–4199 reconnect after backing off, 4200–4299
 * reconnect at once. pusher-js reads exactly these ranges (`getCloseAction`).
 */
export const PusherCode = {
  /** Only TLS connections are accepted (unused here: TLS is the proxy's job). */
  SslOnly: 4000,
  /** The app key in `/app/:key` names no configured app. */
  AppNotFound: 4001,
  /** The path is not `/app/:key`. */
  PathNotFound: 4005,
  /** `?protocol=` is not a number. */
  InvalidVersion: 4006,
  /** `?protocol=` names a version this server does not speak (only 7). */
  UnsupportedVersion: 4007,
  /** No `?protocol=` at all. */
  NoVersion: 4008,
  /** The connection is not allowed (origin, a refused upgrade). */
  Unauthorized: 4009,
  /** Over capacity or over a rate limit: come back later. */
  OverCapacity: 4100,
  /** Generic "reconnect now" (server restart, the socket misbehaved but may retry). */
  Reconnect: 4200,
  /** A client event over the socket's rate limit (sent as a `pusher:error`, the socket stays). */
  ClientEventRateLimit: 4301,
} as const;

/** The protocol version this front speaks. */
export const PUSHER_PROTOCOL = 7;

/** Seconds of silence after which a Pusher client pings (sent in `connection_established`). */
export const ACTIVITY_TIMEOUT_SECONDS = 120;
