/**
 * The client's options: one interface with every default and unit, one `CLIENT_DEFAULTS`, and one
 * `resolveClientOptions()` that merges what the application passed over the defaults and refuses
 * bad values up front (an `OptionsError` naming the key) instead of failing later in a timer.
 */
import { OptionsError } from '../protocol/errors.js';
import type { Format } from '../protocol/frames.js';
import type { WebSocketConstructor } from './transport.js';

/** A function that returns a connection token; called before every connect and reconnect. */
export type TokenFunction = () => string | Promise<string>;

/** Client options; every field is optional. */
export interface ClientOptions {
  /**
   * Connection token (JWT), or a function called before every (re)connect to get a fresh one. A
   * function also lets the client recover from 4001 TOKEN_EXPIRED and 4504 UNAUTHORIZED closes (see
   * `auth_error`); a fixed string cannot. @default none
   */
  token?: string | TokenFunction;
  /**
   * With a token function: how long before the token's `exp` to fetch a new one and send it in a
   * Refresh frame (at most half the token's remaining life). @default 30000 (ms)
   */
  refreshMarginMs?: number;
  /** Wire format. @default 'msgpack' */
  format?: Format;
  /** Reconnect after unexpected disconnects. @default true */
  reconnect?: boolean;
  /** Upper bound of the first reconnect delay (jittered, doubling per attempt). @default 250 (ms) */
  minReconnectDelayMs?: number;
  /** Largest reconnect delay. @default 10000 (ms) */
  maxReconnectDelayMs?: number;
  /** How long a request (subscribe, acked publish, rpc, ping) may wait for its answer. @default 10000 (ms) */
  requestTimeoutMs?: number;
  /** Most requests waiting for the connection to open before new ones are refused. @default 1000 (calls) */
  maxQueued?: number;
  /** WebSocket implementation to use instead of the global one or `ws`. @default globalThis.WebSocket, else the `ws` package */
  WebSocket?: WebSocketConstructor;
}

/** Every default of ClientOptions (`token` and `WebSocket` have none). */
export const CLIENT_DEFAULTS = Object.freeze({
  refreshMarginMs: 30_000, // 30 s
  format: 'msgpack',
  reconnect: true,
  minReconnectDelayMs: 250,
  maxReconnectDelayMs: 10_000, // 10 s
  requestTimeoutMs: 10_000, // 10 s
  maxQueued: 1000,
} as const satisfies Required<Omit<ClientOptions, 'token' | 'WebSocket'>>);

/** Options after resolveClientOptions(): defaults filled in, values checked. */
export interface ResolvedClientOptions {
  readonly url: string;
  readonly token: string | TokenFunction | undefined;
  readonly refreshMarginMs: number;
  readonly format: Format;
  readonly reconnect: boolean;
  readonly minReconnectDelayMs: number;
  readonly maxReconnectDelayMs: number;
  readonly requestTimeoutMs: number;
  readonly maxQueued: number;
  readonly WebSocket: WebSocketConstructor | undefined;
}

// ws: and wss: are what WebSocket speaks; browsers and `ws` also take http(s): and switch them over.
const URL_SCHEMES = new Set(['ws:', 'wss:', 'http:', 'https:']);

/**
 * Merges `options` over CLIENT_DEFAULTS (an `undefined` value means "the default") and checks every
 * value. Throws OptionsError naming the first bad key; `url` is checked too (key `url`).
 */
export function resolveClientOptions(url: string, options: ClientOptions = {}): ResolvedClientOptions {
  if (typeof options !== 'object' || options === null) throw new OptionsError('options', `must be an object, got ${describe(options)}`);
  const given = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as ClientOptions;
  const merged = { ...CLIENT_DEFAULTS, ...given };
  const resolved: ResolvedClientOptions = {
    url: checkUrl(url),
    token: merged.token,
    refreshMarginMs: duration('refreshMarginMs', merged.refreshMarginMs, 0),
    format: merged.format,
    reconnect: merged.reconnect,
    minReconnectDelayMs: duration('minReconnectDelayMs', merged.minReconnectDelayMs, 0),
    maxReconnectDelayMs: duration('maxReconnectDelayMs', merged.maxReconnectDelayMs, 0),
    requestTimeoutMs: duration('requestTimeoutMs', merged.requestTimeoutMs, 1),
    maxQueued: count('maxQueued', merged.maxQueued),
    WebSocket: merged.WebSocket,
  };
  if (resolved.token !== undefined && typeof resolved.token !== 'string' && typeof resolved.token !== 'function') {
    throw new OptionsError('token', `must be a string or a function returning one, got ${describe(resolved.token)}`);
  }
  if (resolved.format !== 'msgpack' && resolved.format !== 'json') throw new OptionsError('format', `must be 'msgpack' or 'json', got ${describe(resolved.format)}`);
  if (typeof resolved.reconnect !== 'boolean') throw new OptionsError('reconnect', `must be a boolean, got ${describe(resolved.reconnect)}`);
  if (resolved.minReconnectDelayMs > resolved.maxReconnectDelayMs) {
    throw new OptionsError('minReconnectDelayMs', `must not be above maxReconnectDelayMs (${resolved.minReconnectDelayMs} > ${resolved.maxReconnectDelayMs})`);
  }
  if (resolved.WebSocket !== undefined && typeof resolved.WebSocket !== 'function') throw new OptionsError('WebSocket', `must be a WebSocket constructor, got ${describe(resolved.WebSocket)}`);
  return resolved;
}

function checkUrl(url: unknown): string {
  if (typeof url !== 'string') throw new OptionsError('url', `must be a string, got ${describe(url)}`);
  let parsed: URL;
  try {
    // A page may pass a URL relative to itself, as its own WebSocket constructor allows.
    parsed = new URL(url, (globalThis as { location?: { href?: string } }).location?.href);
  } catch {
    throw new OptionsError('url', `is not a valid URL: ${JSON.stringify(url)}`);
  }
  if (!URL_SCHEMES.has(parsed.protocol)) throw new OptionsError('url', `must use ws:, wss:, http: or https:, got ${JSON.stringify(parsed.protocol)}`);
  return url;
}

/** A time in ms: a finite number of at least `min`. */
function duration(key: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new OptionsError(key, `must be a finite number of milliseconds, got ${describe(value)}`);
  if (value < min) throw new OptionsError(key, `must be at least ${min} ms, got ${value}`);
  return value;
}

function count(key: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) throw new OptionsError(key, `must be a non-negative integer, got ${describe(value)}`);
  return value;
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'function') return 'a function';
  if (value === null) return 'null';
  return typeof value === 'object' ? 'an object' : String(value);
}
