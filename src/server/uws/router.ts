/**
 * HTTP routes on a uWS app: each request's method, URL, query, parameters, headers and peer are
 * captured synchronously (uWS's HttpRequest dies with the callback) into a plain HttpRequestInfo,
 * and the response is wrapped in an abort-safe exchange.
 */
import type { HttpHandler, HttpRequestInfo, HttpRouter } from '../transport/http.js';
import { addressText } from './address.js';
import type { HttpRequest, HttpResponse, TemplatedApp } from './binding.js';
import { UwsHttpExchange } from './http-exchange.js';

// The headers the HTTP routes read. uWS has no cheap way to list headers, and copying every one
// for every request would cost the publish path; a route that needs another adds it here.
// `host`, `origin` and `sec-fetch-site` tell browser pages from backends on the keyless API.
const CAPTURED_HEADERS = ['authorization', 'content-type', 'content-length', 'idempotency-key', 'x-forwarded-for', 'host', 'origin', 'sec-fetch-site'] as const;

function capture(req: HttpRequest, res: HttpResponse, parameterCount: number): HttpRequestInfo {
  const headers: Record<string, string> = {};
  for (const name of CAPTURED_HEADERS) headers[name] = req.getHeader(name);
  const parameters: string[] = [];
  for (let i = 0; i < parameterCount; i++) parameters.push(req.getParameter(i) ?? '');
  return {
    method: req.getCaseSensitiveMethod?.() ?? req.getMethod(),
    url: req.getUrl(),
    query: req.getQuery() ?? '',
    parameters,
    header: (name) => headers[name] ?? '',
    peerAddress: addressText(res.getRemoteAddressAsText()),
  };
}

function parameterCount(pattern: string): number {
  return pattern.split('/').filter((part) => part.startsWith(':')).length;
}

/** An HttpRouter that registers on a uWS app; answers close their connection once `leaving()` is true. */
export function uwsRouter(app: TemplatedApp, leaving: () => boolean = () => false): HttpRouter {
  const wrap = (pattern: string, handler: HttpHandler) => {
    const count = parameterCount(pattern);
    return (res: HttpResponse, req: HttpRequest) => handler(new UwsHttpExchange(res, leaving), capture(req, res, count));
  };
  return {
    get: (pattern, handler) => void app.get(pattern, wrap(pattern, handler)),
    post: (pattern, handler) => void app.post(pattern, wrap(pattern, handler)),
    any: (pattern, handler) => void app.any(pattern, wrap(pattern, handler)),
  };
}
