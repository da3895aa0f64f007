/**
 * The Pusher HTTP API's door: every request signed as Pusher signs it (`auth_key`,
 * `auth_timestamp` within 600 s, `auth_version` 1.0, `body_md5` of a body, and `auth_signature` =
 * HMAC-SHA256 of `METHOD\npath\nsorted query` under the app's secret, compared in constant time),
 * a request rate per app spent only by signed requests, a separate rate per client address for
 * requests that fail before that, and errors answered as Pusher answers them: a status and a
 * plain-text message (pusher-http-node hands that text to the caller).
 */
import { SwitchboardError, toError } from '../../../protocol/errors.js';
import type { ClientAddressResolver } from '../../connection/client-address.js';
import { BucketMap } from '../../connection/rate-limit.js';
import type { TrafficCounters } from '../../connection/traffic.js';
import type { PusherApp, PusherApps } from './apps.js';
import { bodyMd5, safeEqual, sign } from './signature.js';
import type { HttpExchange, HttpHandler, HttpRequestInfo } from '../../transport/http.js';

/** How far a request's `auth_timestamp` may be from our clock. */
export const MAX_CLOCK_SKEW_SECONDS = 600;
/**
 * Largest body the Pusher API reads (when `maxHttpBodyBytes` is not lower): a full batch of
 * Pusher's 10 events of 10 KB each is about 100 KB, so this leaves room without letting each
 * signed request hold a megabyte.
 */
export const PUSHER_MAX_BODY_BYTES = 256 * 1024; // 256 KiB
/**
 * Requests per second one client address may make that fail before authentication (unknown app,
 * ambiguous query, bad signature), burst twice that; then 429. Separate from the app's bucket,
 * which only signed requests spend, so strangers cannot use up an app's rate.
 */
export const UNSIGNED_REQUESTS_PER_SECOND = 10;

/** A Pusher HTTP API refusal: the status line and its plain-text message. */
export class PusherHttpError extends Error {
  constructor(
    readonly status: string,
    message: string,
  ) {
    super(message);
  }
}

/** A verified request: its app, query parameters and raw body. */
export interface SignedRequest {
  app: PusherApp;
  query: URLSearchParams;
  body: Buffer;
  /** Route parameters after the app id, percent-decoded. */
  parameters: string[];
}

/**
 * The query's parameters by name, refusing what the signed string could not tell apart. Pusher
 * signs `name=value` pairs joined by `&` after decoding, without escaping (the `pusher` SDK sends
 * them that way), so a decoded value holding `&`, or a name holding `=` or `&`, would sign the same
 * text as other parameters: a captured query could be re-split into them. Duplicates likewise.
 * @throws PusherHttpError 400
 */
export function readSignedQuery(query: URLSearchParams): Map<string, string> {
  const params = new Map<string, string>();
  for (const [name, value] of query) {
    if (params.has(name)) throw new PusherHttpError('400 Bad Request', `Duplicate query parameter ${name.slice(0, 40)}`);
    if (name === '' || /[&=]/.test(name) || value.includes('&')) throw new PusherHttpError('400 Bad Request', `Query parameter ${JSON.stringify(name.slice(0, 40))} is ambiguous: names may not hold "=" or "&", values may not hold "&"`);
    params.set(name, value);
  }
  return params;
}

/**
 * Checks the signature of a request's method, path and query (everything but the body, which
 * `verifyBody` checks once read). @throws PusherHttpError 401 naming what is wrong (never the
 * expected signature: that would hand out a valid one for a forged request).
 */
export function verifySignedQuery(app: PusherApp, method: string, path: string, params: ReadonlyMap<string, string>, nowSeconds: number): void {
  const signature = params.get('auth_signature');
  const key = params.get('auth_key');
  const timestamp = params.get('auth_timestamp');
  if (signature === undefined || key === undefined || timestamp === undefined) throw unauthorized('Missing auth_key, auth_timestamp or auth_signature');
  if (params.get('auth_version') !== '1.0') throw unauthorized('auth_version must be 1.0');
  if (!safeEqual(key, app.key)) throw unauthorized('Unknown auth_key');
  if (!/^\d{1,12}$/.test(timestamp) || Math.abs(nowSeconds - Number(timestamp)) > MAX_CLOCK_SKEW_SECONDS) {
    throw unauthorized(`Timestamp expired: given ${timestamp.slice(0, 12)}, now ${nowSeconds}; clocks may differ by at most ${MAX_CLOCK_SKEW_SECONDS} s`);
  }
  const sorted = [...params.keys()]
    .filter((name) => name !== 'auth_signature')
    .sort()
    .map((name) => `${name}=${params.get(name)!}`)
    .join('&');
  if (!safeEqual(signature, sign(app.secret, `${method.toUpperCase()}\n${path}\n${sorted}`))) throw unauthorized('Invalid signature');
}

/** Checks a read body against the signed `body_md5`. @throws PusherHttpError 401 */
export function verifyBody(params: ReadonlyMap<string, string>, body: Buffer): void {
  const md5 = params.get('body_md5');
  if (body.length > 0 || md5 !== undefined) {
    if (md5 === undefined || !safeEqual(md5, bodyMd5(body))) throw unauthorized('body_md5 does not match the body');
  }
}

function unauthorized(message: string): PusherHttpError {
  return new PusherHttpError('401 Unauthorized', message);
}

/** A Pusher route handler behind the signature check. */
export type SignedHandler = (exchange: HttpExchange, request: SignedRequest) => Promise<void> | void;

export interface PusherGuardDeps {
  apps: PusherApps;
  /** `maxHttpBodyBytes`; the Pusher API reads at most the lower of it and PUSHER_MAX_BODY_BYTES. */
  maxBodyBytes: number;
  /** Signed requests per second per app; 0 = no limit. */
  requestsPerSecond: number;
  /** The client address behind trusted proxies, which unauthenticated requests are counted by. */
  clientAddress: ClientAddressResolver;
  traffic: TrafficCounters;
  onUnexpected: (error: Error) => void;
  now?: () => number;
}

/**
 * Builds the wrapper that checks a request before it costs anything: app, query and signature
 * first (refusals are answered without reading the body, and the connection closed so the unread
 * body is not taken for a next request), then the app's rate, then the body (bounded) and its
 * `body_md5`.
 */
export function createPusherGuard(deps: PusherGuardDeps): (handler: SignedHandler) => HttpHandler {
  const rate = deps.requestsPerSecond > 0 ? new BucketMap(deps.requestsPerSecond, deps.requestsPerSecond * 2) : undefined;
  const unsignedRate = Math.min(UNSIGNED_REQUESTS_PER_SECOND, deps.requestsPerSecond > 0 ? deps.requestsPerSecond : UNSIGNED_REQUESTS_PER_SECOND);
  const strangers = new BucketMap(unsignedRate, unsignedRate * 2);
  const maxBodyBytes = Math.min(deps.maxBodyBytes, PUSHER_MAX_BODY_BYTES);
  const now = deps.now ?? Date.now;

  const answer = (exchange: HttpExchange, err: unknown, close: boolean): void => {
    if (err instanceof PusherHttpError) return exchange.send(err.status, 'text/plain', `${err.message}\n`, close);
    // Size limits, invalid topics and the like keep their status; their message is for the caller.
    if (err instanceof SwitchboardError) return exchange.fail(err, {}, close);
    deps.onUnexpected(toError(err));
    exchange.send('500 Internal Server Error', 'text/plain', 'Internal error\n', close);
  };

  /** App, query and signature; a refusal spends the caller address's bucket, and is a 429 once that is empty. */
  const authenticate = (request: HttpRequestInfo): { app: PusherApp; params: Map<string, string> } => {
    try {
      const app = deps.apps.withId(decodeSafe(request.parameters[0] ?? ''));
      if (app === undefined) throw new PusherHttpError('404 Not Found', 'Unknown app');
      const params = readSignedQuery(new URLSearchParams(request.query));
      verifySignedQuery(app, request.method, request.url, params, Math.floor(now() / 1000));
      return { app, params };
    } catch (err) {
      if (strangers.take(deps.clientAddress(request.peerAddress, request.header('x-forwarded-for'))) > 0) {
        deps.traffic.rateLimited++;
        throw new PusherHttpError('429 Too Many Requests', 'Too many requests');
      }
      throw err;
    }
  };

  return (handler) => (exchange, request: HttpRequestInfo) => {
    let app: PusherApp;
    let params: Map<string, string>;
    try {
      ({ app, params } = authenticate(request));
      if ((rate?.take(app.id) ?? 0) > 0) {
        deps.traffic.rateLimited++;
        throw new PusherHttpError('429 Too Many Requests', 'Too many requests');
      }
      // Without a signed body_md5 there can be no body: do not read one to find that out.
      if (!params.has('body_md5') && Number(request.header('content-length') || 0) > 0) throw unauthorized('body_md5 does not match the body');
    } catch (err) {
      answer(exchange, err, true);
      return;
    }
    const run = async () => {
      const body = await exchange.readBody(maxBodyBytes, Number(request.header('content-length') || 0));
      verifyBody(params, body);
      const query = new URLSearchParams(request.query);
      await handler(exchange, { app, query, body, parameters: request.parameters.slice(1).map(decodeSafe) });
    };
    run().catch((err: unknown) => answer(exchange, err, false));
  };
}

function decodeSafe(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new PusherHttpError('400 Bad Request', 'Invalid percent-encoding in the path');
  }
}
