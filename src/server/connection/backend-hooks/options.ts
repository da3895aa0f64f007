/**
 * The `backend` option: URLs of the application's HTTP endpoints that decide connect, subscribe,
 * publish and RPC (so a PHP app can authorize with its own session, in PHP), the headers sent to
 * them, and their time and size bounds. Validated here, naming the bad key (`backend.timeoutMs`).
 */
import { OptionsError } from '../../../protocol/errors.js';

/** The application's backend endpoints and how Switchboard calls them. Every field is optional. */
export interface BackendOptions {
  /** POSTed at each WebSocket upgrade; its answer accepts (user id, claims, info) or refuses the connection. @default undefined */
  connectUrl?: string;
  /** POSTed for each topic of a Subscribe frame in a namespace whose `subscribe` rule is `'backend'`. @default undefined */
  subscribeUrl?: string;
  /** POSTed for each client Publish to a namespace whose `publish` rule is `'backend'`; may replace the data. @default undefined */
  publishUrl?: string;
  /** POSTed for each RPC whose method has no handler in `rpc`; its answer is the caller's reply. @default undefined */
  rpcUrl?: string;
  /**
   * Request headers of the WebSocket upgrade passed on to every hook call, as HTTP headers (so PHP's
   * `$_COOKIE` and `session_start()` work) and in the JSON body's `headers`. Lower-case names.
   * @default ['cookie', 'authorization', 'origin', 'user-agent', 'x-request-id']
   */
  forwardHeaders?: string[];
  /** Static headers sent with every hook call, e.g. a shared secret the backend checks. @default {} */
  headers?: Record<string, string>;
  /** Longest a hook call may take (connect, send, answer); then the call fails as a timeout. @default 2000 */
  timeoutMs?: number;
  /** Largest answer body read from the backend, in bytes; a larger one is a failed call. @default 1048576 (1 MiB) */
  maxResponseBytes?: number;
  /**
   * Most hook calls open at once, every hook and connection together (connect included). More
   * wait in line; the wait counts against `timeoutMs`. @default 64
   */
  maxConcurrentCalls?: number;
  /**
   * Most calls waiting for one of those slots (one connection may hold an eighth of them); beyond,
   * a call is refused at once as OVERLOADED (116) and an upgrade closed with 4005. @default 1024
   */
  maxQueuedCalls?: number;
  /** Most calls open at once for one connection; its others wait in line. @default 8 */
  maxCallsPerConnection?: number;
}

/** Backend options after validation: defaults filled in, header names lower-case. */
export interface ResolvedBackendOptions {
  readonly connectUrl: string | undefined;
  readonly subscribeUrl: string | undefined;
  readonly publishUrl: string | undefined;
  readonly rpcUrl: string | undefined;
  readonly forwardHeaders: readonly string[];
  readonly headers: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  readonly maxResponseBytes: number;
  readonly maxConcurrentCalls: number;
  readonly maxQueuedCalls: number;
  readonly maxCallsPerConnection: number;
}

/** Headers forwarded by default: what a PHP app needs to find its session or token, and trace a request. */
export const DEFAULT_FORWARD_HEADERS: readonly string[] = Object.freeze(['cookie', 'authorization', 'origin', 'user-agent', 'x-request-id']);
/** Default bound of one hook call. Well under `authTimeoutMs` (5 s), so a slow backend is named as such. */
export const DEFAULT_BACKEND_TIMEOUT_MS = 2000; // 2 s
/** Default bound of an answer body. */
export const DEFAULT_BACKEND_MAX_RESPONSE_BYTES = 1024 * 1024; // 1 MiB
/** Default bound of hook calls open at once, all connections together. */
export const DEFAULT_BACKEND_MAX_CONCURRENT_CALLS = 64;
/** Default bound of calls waiting for a slot. */
export const DEFAULT_BACKEND_MAX_QUEUED_CALLS = 1024;
/** Default bound of one connection's calls open at once. */
export const DEFAULT_BACKEND_MAX_CALLS_PER_CONNECTION = 8;
/** The header `SWITCHBOARD_BACKEND_SECRET` is sent in. */
export const BACKEND_SECRET_HEADER = 'x-switchboard-secret';

const URL_KEYS = ['connectUrl', 'subscribeUrl', 'publishUrl', 'rpcUrl'] as const;
const KNOWN_KEYS: readonly string[] = [...URL_KEYS, 'forwardHeaders', 'headers', 'timeoutMs', 'maxResponseBytes', 'maxConcurrentCalls', 'maxQueuedCalls', 'maxCallsPerConnection'];

// Headers that describe the WebSocket request's own framing or connection: passing them on would
// corrupt the hook's HTTP request (or is refused by fetch), so they can be neither forwarded nor set.
const UNSENDABLE_HEADERS = new Set(['host', 'content-length', 'content-type', 'connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'expect', 'te', 'trailer']);
const TOKEN = /^[!#$%&'*+.^_`|~0-9a-z-]+$/;

/**
 * The backend part of the environment: `SWITCHBOARD_BACKEND_URL=<base>` sets the four URLs to
 * `<base>/connect`, `/subscribe`, `/publish`, `/rpc` (one PHP router script can serve them all);
 * `SWITCHBOARD_BACKEND_SECRET` is sent as `X-Switchboard-Secret`.
 */
export function backendFromEnv(env: NodeJS.ProcessEnv): BackendOptions | undefined {
  const base = env.SWITCHBOARD_BACKEND_URL;
  const secret = env.SWITCHBOARD_BACKEND_SECRET;
  if (!base && !secret) return undefined;
  const out: BackendOptions = {};
  if (base) {
    const trimmed = base.replace(/\/+$/, '');
    Object.assign(out, { connectUrl: `${trimmed}/connect`, subscribeUrl: `${trimmed}/subscribe`, publishUrl: `${trimmed}/publish`, rpcUrl: `${trimmed}/rpc` });
  }
  if (secret) out.headers = { [BACKEND_SECRET_HEADER]: secret };
  return out;
}

/** Merges two sources of backend options key by key (`higher` wins); `headers` merge by name. */
export function mergeBackendOptions(lower: BackendOptions | undefined, higher: BackendOptions | undefined): BackendOptions | undefined {
  if (lower === undefined || !isPlainObject(lower)) return higher;
  if (higher === undefined || !isPlainObject(higher)) return higher ?? lower;
  const merged: BackendOptions = { ...lower, ...higher };
  if (isPlainObject(lower.headers) && isPlainObject(higher.headers)) merged.headers = { ...lower.headers, ...higher.headers } as Record<string, string>;
  return merged;
}

/**
 * Validates the `backend` option and fills its defaults.
 * @throws OptionsError naming the bad key, e.g. `backend.connectUrl`.
 */
export function resolveBackendOptions(input: unknown): ResolvedBackendOptions | undefined {
  if (input === undefined) return undefined;
  if (!isPlainObject(input)) throw new OptionsError('backend', 'must be an object ({ connectUrl, subscribeUrl, publishUrl, rpcUrl, ... })');
  for (const key of Object.keys(input)) {
    if (!KNOWN_KEYS.includes(key)) throw new OptionsError(`backend.${key}`, `is not a backend option (known: ${KNOWN_KEYS.join(', ')})`);
  }
  const urls = Object.fromEntries(URL_KEYS.map((key) => [key, httpUrl(`backend.${key}`, input[key])])) as Record<(typeof URL_KEYS)[number], string | undefined>;
  if (URL_KEYS.every((key) => urls[key] === undefined)) throw new OptionsError('backend', `needs at least one of ${URL_KEYS.join(', ')}`);

  const headers = staticHeaders(input.headers);
  const forwardHeaders = forwarded(input.forwardHeaders);
  for (const name of forwardHeaders) {
    // A client could otherwise choose the value of a header the backend trusts (the shared secret).
    if (Object.hasOwn(headers, name)) throw new OptionsError('backend.forwardHeaders', `"${name}" is also a static header in backend.headers`);
  }
  return Object.freeze({
    ...urls,
    forwardHeaders: Object.freeze(forwardHeaders),
    headers: Object.freeze(headers),
    timeoutMs: positiveInteger('backend.timeoutMs', input.timeoutMs, DEFAULT_BACKEND_TIMEOUT_MS),
    maxResponseBytes: positiveInteger('backend.maxResponseBytes', input.maxResponseBytes, DEFAULT_BACKEND_MAX_RESPONSE_BYTES),
    maxConcurrentCalls: positiveInteger('backend.maxConcurrentCalls', input.maxConcurrentCalls, DEFAULT_BACKEND_MAX_CONCURRENT_CALLS),
    maxQueuedCalls: positiveInteger('backend.maxQueuedCalls', input.maxQueuedCalls, DEFAULT_BACKEND_MAX_QUEUED_CALLS),
    maxCallsPerConnection: positiveInteger('backend.maxCallsPerConnection', input.maxCallsPerConnection, DEFAULT_BACKEND_MAX_CALLS_PER_CONNECTION),
  });
}

function httpUrl(key: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  let url: URL | undefined;
  try {
    url = typeof value === 'string' ? new URL(value) : undefined;
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) throw new OptionsError(key, `must be an http(s) URL, got ${JSON.stringify(value)}`);
  return value as string;
}

function forwarded(value: unknown): string[] {
  if (value === undefined) return [...DEFAULT_FORWARD_HEADERS];
  if (!Array.isArray(value)) throw new OptionsError('backend.forwardHeaders', 'must be an array of header names');
  return [...new Set(value.map((name) => headerName('backend.forwardHeaders', name)))];
}

function staticHeaders(value: unknown): Record<string, string> {
  if (value === undefined) return {};
  if (!isPlainObject(value)) throw new OptionsError('backend.headers', 'must be an object of header name → value');
  const out: Record<string, string> = {};
  for (const [name, headerValue] of Object.entries(value)) {
    const key = `backend.headers["${name}"]`;
    if (typeof headerValue !== 'string' || /[\r\n\0]/.test(headerValue)) throw new OptionsError(key, 'must be a string without line breaks');
    out[headerName(key, name)] = headerValue;
  }
  return out;
}

function headerName(key: string, name: unknown): string {
  if (typeof name !== 'string' || !TOKEN.test(name.toLowerCase())) throw new OptionsError(key, `${JSON.stringify(name)} is not a header name`);
  const lower = name.toLowerCase();
  if (UNSENDABLE_HEADERS.has(lower) || lower.startsWith('sec-websocket-') || lower.startsWith('proxy-')) {
    throw new OptionsError(key, `"${lower}" belongs to the WebSocket request's own connection and cannot be sent to the backend`);
  }
  return lower;
}

function positiveInteger(key: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || (value as number) <= 0) throw new OptionsError(key, `must be a positive integer, got ${String(value)}`);
  return value as number;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
