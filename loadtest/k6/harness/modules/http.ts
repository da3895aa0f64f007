/**
 * Harness shim for `k6/http`, on Node's fetch. Only `asyncRequest` (k6 ≥ 0.43) is offered: k6's
 * synchronous `http.post` blocks the VU, which Node cannot do without hiding what it costs, so the
 * Switchboard scripts await `asyncRequest` instead. Records k6's built-in `http_reqs`,
 * `http_req_duration` and `http_req_failed` (status outside 200–399 or a network error).
 */
import { addSample, requireIteration, type PendingWork } from '../runtime.js';

/** The fields of a k6 Response the scripts read. */
export interface Response {
  status: number;
  body: string | null;
  headers: Record<string, string>;
  error: string;
  timings: { duration: number };
  json(): unknown;
}

/** Sends a request; resolves (never rejects) with a k6-style Response, status 0 on network errors. */
export async function asyncRequest(method: string, url: string, body?: string | null, params: { headers?: Record<string, string> } = {}): Promise<Response> {
  const ctx = requireIteration('http.asyncRequest');
  const controller = new AbortController();
  const work: PendingWork = { close: () => controller.abort() };
  ctx.hold(work);
  const started = performance.now();
  let response: Response;
  try {
    const res = await fetch(url, { method, headers: params.headers, body: body ?? undefined, signal: controller.signal });
    const text = await res.text();
    const headers: Record<string, string> = {};
    res.headers.forEach((value, key) => (headers[key] = value));
    response = { status: res.status, body: text, headers, error: '', timings: { duration: performance.now() - started }, json: () => JSON.parse(text) };
  } catch (err) {
    response = { status: 0, body: null, headers: {}, error: (err as Error).message, timings: { duration: performance.now() - started }, json: () => null };
  } finally {
    ctx.done(work);
  }
  addSample('http_reqs', 'counter', 1);
  addSample('http_req_duration', 'trend', response.timings.duration, true);
  addSample('http_req_failed', 'rate', response.status >= 200 && response.status < 400 ? 0 : 1);
  return response;
}

function unsupported(name: string): never {
  throw new Error(`http.${name}() is synchronous in k6 and not supported by the harness; use await http.asyncRequest()`);
}

export default {
  asyncRequest,
  get: () => unsupported('get'),
  post: () => unsupported('post'),
  request: () => unsupported('request'),
};
