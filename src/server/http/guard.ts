/**
 * Who may use the HTTP API, and how often: the API key (constant-time compare) or, without one,
 * loopback callers that are not browser pages (browser-guard.ts); a request rate per key (per client address without a key). `guarded`
 * wraps a route handler with both and translates whatever it throws into an HTTP answer.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { ErrorCode } from '../../protocol/codes.js';
import { AuthError, LimitError, SwitchboardError, toError } from '../../protocol/errors.js';
import type { ClientAddressResolver } from '../connection/client-address.js';
import { isLoopback } from '../connection/net-address.js';
import { BucketMap } from '../connection/rate-limit.js';
import type { TrafficCounters } from '../connection/traffic.js';
import type { HttpExchange, HttpHandler, HttpRequestInfo } from '../transport/http.js';
import { refuseBrowserRequests } from './browser-guard.js';

/** Checks the API key (constant time) or, without a key configured, that the caller is on loopback. */
export function createApiGuard(apiKey: string | undefined) {
  const expected = apiKey === undefined ? undefined : digest(apiKey);
  return (authorization: string, remoteAddress: string): void => {
    if (expected === undefined) {
      if (!isLoopback(remoteAddress)) throw new AuthError(ErrorCode.Forbidden, 'the HTTP API answers loopback callers only until SWITCHBOARD_API_KEY is set');
      return;
    }
    const match = /^Bearer\s+(.+?)\s*$/i.exec(authorization);
    // Compare fixed-length digests so neither content nor length leaks through timing.
    if (match === null || !timingSafeEqual(digest(match[1]!), expected)) {
      throw new AuthError(ErrorCode.Unauthorized, 'missing or invalid API key');
    }
  };
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** A route handler behind the guard; it may be async and may throw. */
export type GuardedHandler = (exchange: HttpExchange, request: HttpRequestInfo) => Promise<void> | void;

export interface GuardDeps {
  apiKey: string | undefined;
  /** Requests per second per key (per client address without a key); 0 = no limit. */
  httpRequestsPerSecond: number;
  clientAddress: ClientAddressResolver;
  traffic: TrafficCounters;
  /** Called for anything thrown that is not a SwitchboardError (answered 500 without details). */
  onUnexpected: (error: Error) => void;
}

/** Builds the wrapper that puts a handler behind the key check and the rate limit. */
export function createGuarded(deps: GuardDeps): (handler: GuardedHandler) => HttpHandler {
  const check = createApiGuard(deps.apiKey);
  const perSecond = deps.httpRequestsPerSecond;
  const rate = perSecond > 0 ? new BucketMap(perSecond, perSecond * 2) : undefined;

  return (handler) => (exchange, request) => {
    const client = deps.clientAddress(request.peerAddress, request.header('x-forwarded-for'));
    try {
      check(request.header('authorization'), client);
      // Only the keyless API trusts where a request comes from; a key is something a page cannot add.
      if (deps.apiKey === undefined) refuseBrowserRequests(request.method, request.header);
      // Per key once a key is configured (there is one), per client address on the loopback-only API.
      const retryAfterSeconds = rate?.take(deps.apiKey === undefined ? `ip:${client}` : 'key') ?? 0;
      if (retryAfterSeconds > 0) {
        deps.traffic.rateLimited++;
        throw new LimitError(ErrorCode.RateLimited, 'too many requests', { retryAfterSeconds });
      }
    } catch (err) {
      const headers: Record<string, string> = err instanceof AuthError && err.code === ErrorCode.Unauthorized ? { 'WWW-Authenticate': 'Bearer' } : {};
      // The refused request's body (if any) is never read: close rather than parse it as a next request.
      exchange.fail(err, headers, true);
      return;
    }
    const answerError = (err: unknown) => {
      if (!(err instanceof SwitchboardError)) deps.onUnexpected(toError(err));
      exchange.fail(err);
    };
    try {
      const result = handler(exchange, request);
      if (result) result.catch(answerError);
    } catch (err) {
      answerError(err);
    }
  };
}
