/**
 * The Pusher HTTP API's door: every request signed as Pusher signs it (`auth_key`,
 * `auth_timestamp` within 600 s, `auth_version` 1.0, `body_md5` of a body, and `auth_signature` =
 * HMAC-SHA256 of `METHOD\npath\nsorted query` under the app's secret, compared in constant time),
 * a request rate per app, and errors answered as Pusher answers them: a status and a plain-text
 * message (pusher-http-node hands that text to the caller).
 */
import { SwitchboardError, toError } from '../../protocol/errors.js';
import { BucketMap } from '../connection/rate-limit.js';
import type { TrafficCounters } from '../core/traffic.js';
import type { PusherApp, PusherApps } from '../fronts/pusher/apps.js';
import { bodyMd5, safeEqual, sign } from '../fronts/pusher/signature.js';
import type { HttpExchange, HttpHandler, HttpRequestInfo } from '../transport.js';

/** How far a request's `auth_timestamp` may be from our clock. */
export const MAX_CLOCK_SKEW_SECONDS = 600;

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
 * Checks a request's signature. @throws PusherHttpError 401 naming what is wrong (never the
 * expected signature: that would hand out a valid one for a forged request).
 */
export function verifySignedRequest(app: PusherApp, method: string, path: string, query: URLSearchParams, body: Buffer, nowSeconds: number): void {
  const params = new Map<string, string>();
  for (const [key, value] of query) {
    if (params.has(key)) throw new PusherHttpError('400 Bad Request', `Duplicate query parameter ${key.slice(0, 40)}`);
    params.set(key, value);
  }
  const signature = params.get('auth_signature');
  const key = params.get('auth_key');
  const timestamp = params.get('auth_timestamp');
  if (signature === undefined || key === undefined || timestamp === undefined) throw unauthorized('Missing auth_key, auth_timestamp or auth_signature');
  if (params.get('auth_version') !== '1.0') throw unauthorized('auth_version must be 1.0');
  if (!safeEqual(key, app.key)) throw unauthorized('Unknown auth_key');
  if (!/^\d{1,12}$/.test(timestamp) || Math.abs(nowSeconds - Number(timestamp)) > MAX_CLOCK_SKEW_SECONDS) {
    throw unauthorized(`Timestamp expired: given ${timestamp.slice(0, 12)}, now ${nowSeconds}; clocks may differ by at most ${MAX_CLOCK_SKEW_SECONDS} s`);
  }
  const md5 = params.get('body_md5');
  if (body.length > 0 || md5 !== undefined) {
    if (md5 === undefined || !safeEqual(md5, bodyMd5(body))) throw unauthorized('body_md5 does not match the body');
  }
  params.delete('auth_signature');
  const sorted = [...params.keys()].sort().map((name) => `${name}=${params.get(name)!}`).join('&');
  if (!safeEqual(signature, sign(app.secret, `${method.toUpperCase()}\n${path}\n${sorted}`))) throw unauthorized('Invalid signature');
}

function unauthorized(message: string): PusherHttpError {
  return new PusherHttpError('401 Unauthorized', message);
}

/** A Pusher route handler behind the signature check. */
export type SignedHandler = (exchange: HttpExchange, request: SignedRequest) => Promise<void> | void;

export interface PusherGuardDeps {
  apps: PusherApps;
  maxBodyBytes: number;
  /** Requests per second per app; 0 = no limit. */
  requestsPerSecond: number;
  traffic: TrafficCounters;
  onUnexpected: (error: Error) => void;
  now?: () => number;
}

/** Builds the wrapper that reads the body, checks the signature and translates errors. */
export function createPusherGuard(deps: PusherGuardDeps): (handler: SignedHandler) => HttpHandler {
  const rate = deps.requestsPerSecond > 0 ? new BucketMap(deps.requestsPerSecond, deps.requestsPerSecond * 2) : undefined;
  const now = deps.now ?? Date.now;

  const answer = (exchange: HttpExchange, err: unknown): void => {
    if (err instanceof PusherHttpError) return exchange.send(err.status, 'text/plain', `${err.message}\n`);
    // Size limits, invalid topics and the like keep their status; their message is for the caller.
    if (err instanceof SwitchboardError) return exchange.fail(err);
    deps.onUnexpected(toError(err));
    exchange.send('500 Internal Server Error', 'text/plain', 'Internal error\n');
  };

  return (handler) => (exchange, request: HttpRequestInfo) => {
    const run = async () => {
      const app = deps.apps.withId(decodeSafe(request.parameters[0] ?? ''));
      if (app === undefined) throw new PusherHttpError('404 Not Found', 'Unknown app');
      const retryAfter = rate?.take(app.id) ?? 0;
      if (retryAfter > 0) {
        deps.traffic.rateLimited++;
        throw new PusherHttpError('429 Too Many Requests', 'Too many requests');
      }
      const body = await exchange.readBody(deps.maxBodyBytes, Number(request.header('content-length') || 0));
      const query = new URLSearchParams(request.query);
      verifySignedRequest(app, request.method, request.url, query, body, Math.floor(now() / 1000));
      await handler(exchange, { app, query, body, parameters: request.parameters.slice(1).map(decodeSafe) });
    };
    run().catch((err: unknown) => answer(exchange, err));
  };
}

function decodeSafe(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new PusherHttpError('400 Bad Request', 'Invalid percent-encoding in the path');
  }
}
