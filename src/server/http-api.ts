/**
 * The HTTP API for backends, on the same port as the WebSockets: publish, broadcast, topic info,
 * health and metrics. Bodies are JSON or msgpack (by Content-Type); errors are `{error, code}`.
 * The control routes (user subscribe/unsubscribe/disconnect, presence) are in http-control.ts.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Registry } from 'prom-client';
import { unpackValue } from '../protocol/codec.js';
import { ErrorCode } from '../protocol/codes.js';
import { AuthError, LimitError, ProtocolError, SwitchboardError, toError } from '../protocol/errors.js';
import type { ClientAddressResolver } from './client-address.js';
import type { Control } from './control.js';
import { registerControlRoutes } from './http-control.js';
import { registerHistoryRoute } from './http-history.js';
import { HttpExchange } from './http-exchange.js';
import type { Hub } from './hub.js';
import { MAX_IDEMPOTENCY_KEY_LENGTH } from './idempotency.js';
import type { TrafficCounters } from './metrics.js';
import { addressText, isLoopback } from './net-address.js';
import type { ResolvedOptions } from './options.js';
import { BucketMap } from './rate-limit.js';
import type { HttpRequest, HttpResponse, TemplatedApp } from './uws.js';

const MSGPACK_TYPES = new Set(['application/msgpack', 'application/x-msgpack', 'application/vnd.msgpack']);

export interface HttpApiDeps {
  app: TemplatedApp;
  hub: Hub;
  control: Control;
  options: ResolvedOptions;
  metrics: Registry;
  traffic: TrafficCounters;
  startedAt: number;
  clientAddress: ClientAddressResolver;
  onUnexpected: (error: Error) => void;
}

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

function bad(message: string): ProtocolError {
  return new ProtocolError(ErrorCode.BadRequest, message);
}

/** Parses a body as JSON or msgpack by its Content-Type, requiring an object. */
export function parseBody(body: Buffer, contentType: string): Record<string, unknown> {
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  let value: unknown;
  if (MSGPACK_TYPES.has(type)) {
    try {
      value = unpackValue(body);
    } catch {
      throw bad('body is not valid msgpack');
    }
  } else {
    // Anything that is not msgpack is read as JSON, so `curl -d '{...}'` (form content type) works.
    try {
      value = JSON.parse(body.toString('utf8'));
    } catch {
      throw bad('body is not valid JSON');
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw bad('body must be an object');
  return value as Record<string, unknown>;
}

function requireData(body: Record<string, unknown>): unknown {
  if (!Object.hasOwn(body, 'data')) throw bad('"data" is required');
  return body.data;
}

/** The idempotency key from the body's `idempotencyKey` or the `Idempotency-Key` header (they must agree). */
function readIdempotencyKey(body: Record<string, unknown>, header: string): string | undefined {
  const fromBody = body.idempotencyKey;
  if (fromBody !== undefined && (typeof fromBody !== 'string' || fromBody === '' || fromBody.length > MAX_IDEMPOTENCY_KEY_LENGTH)) {
    throw bad(`"idempotencyKey" must be a string of 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} characters`);
  }
  if (header.length > MAX_IDEMPOTENCY_KEY_LENGTH) throw bad(`Idempotency-Key must be at most ${MAX_IDEMPOTENCY_KEY_LENGTH} characters`);
  if (fromBody !== undefined && header !== '' && fromBody !== header) throw bad('"idempotencyKey" and the Idempotency-Key header differ');
  return fromBody ?? (header === '' ? undefined : header);
}

/** Registers every HTTP route on the app. */
export function registerHttpApi(deps: HttpApiDeps): void {
  const { app, hub, control, options, traffic } = deps;
  const guard = createApiGuard(options.apiKey);
  const rate = options.httpRequestsPerSecond > 0 ? new BucketMap(options.httpRequestsPerSecond, options.httpRequestsPerSecond * 2) : undefined;

  /** Reads what a guarded handler needs from the request synchronously, then runs it with errors translated. */
  const guarded = (handler: (exchange: HttpExchange, req: RequestInfo) => Promise<void> | void) => (res: HttpResponse, req: HttpRequest) => {
    const exchange = new HttpExchange(res);
    const info: RequestInfo = {
      contentType: req.getHeader('content-type'),
      contentLength: Number(req.getHeader('content-length') || 0),
      parameter: req.getParameter(0) ?? '',
      idempotencyKey: req.getHeader('idempotency-key').trim(),
      query: req.getQuery() ?? '',
    };
    const client = deps.clientAddress(addressText(res.getRemoteAddressAsText()), req.getHeader('x-forwarded-for'));
    try {
      guard(req.getHeader('authorization'), client);
      // Per key once a key is configured (there is one), per client address on the loopback-only API.
      const retryAfterSeconds = rate?.take(options.apiKey === undefined ? `ip:${client}` : 'key') ?? 0;
      if (retryAfterSeconds > 0) {
        traffic.rateLimited++;
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
      const result = handler(exchange, info);
      if (result) result.catch(answerError);
    } catch (err) {
      answerError(err);
    }
  };

  const readObject = async (exchange: HttpExchange, info: RequestInfo) => {
    const body = await exchange.readBody(options.maxHttpBodyBytes, info.contentLength);
    return parseBody(body, info.contentType);
  };

  app.post('/api/publish', guarded(async (exchange, info) => {
    const body = await readObject(exchange, info);
    if (typeof body.topic !== 'string') throw bad('"topic" must be a string');
    const data = requireData(body);
    const { seq, duplicate } = await control.publish(body.topic, data, readIdempotencyKey(body, info.idempotencyKey));
    if (duplicate) return exchange.json('200 OK', { ok: true, seq, duplicate: true });
    traffic.httpPublishes++;
    exchange.json('200 OK', { ok: true, seq });
  }));

  app.post('/api/broadcast', guarded(async (exchange, info) => {
    const body = await readObject(exchange, info);
    const topics = body.topics;
    if (!Array.isArray(topics) || topics.length === 0 || topics.some((topic) => typeof topic !== 'string')) {
      throw bad('"topics" must be a non-empty array of strings');
    }
    const seqs = await Promise.all(hub.broadcast(topics as string[], requireData(body)));
    traffic.httpPublishes += topics.length;
    exchange.json('200 OK', { ok: true, seqs });
  }));

  app.get('/api/topics/:topic', guarded((exchange, info) => {
    let topic: string;
    try {
      topic = decodeURIComponent(info.parameter);
    } catch {
      throw bad('topic is not valid percent-encoding');
    }
    exchange.json('200 OK', { topic, subscribers: hub.subscriberCount(topic) });
  }));

  registerControlRoutes({ app, control, guarded, readObject });
  registerHistoryRoute({ app, hub, options, guarded });

  app.get('/metrics', guarded(async (exchange) => {
    const text = await deps.metrics.metrics();
    exchange.send('200 OK', deps.metrics.contentType, text);
  }));

  app.get('/healthz', (res) => {
    new HttpExchange(res).json('200 OK', {
      status: 'ok',
      connections: hub.connections.size,
      uptimeSeconds: Math.round((Date.now() - deps.startedAt) / 1000),
    });
  });

  app.any('/*', (res) => {
    new HttpExchange(res).json('404 Not Found', { error: 'no such route', code: 'NOT_FOUND' });
  });
}

/** What a guarded handler reads from the request synchronously, before the body arrives. */
export interface RequestInfo {
  contentType: string;
  contentLength: number;
  /** First route parameter (`:topic`), raw. */
  parameter: string;
  /** The `Idempotency-Key` header, trimmed; '' when absent. */
  idempotencyKey: string;
  /** The raw query string (without `?`); '' when absent. */
  query: string;
}
