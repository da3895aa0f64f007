/**
 * Browser requests on the keyless HTTP API. Without an API key the API trusts loopback callers,
 * and a browser on the same machine is one: a page on another local port could publish or
 * disconnect users with `fetch(url, { mode: 'no-cors' })` or a form, and a DNS-rebinding site
 * could even read answers. Backends (curl, PHP, the SDK) send no Origin and no Sec-Fetch-*
 * headers, and can name their content type; browsers cannot be stopped from sending those, nor
 * (without a CORS preflight, which this API never grants) send another content type.
 */
import { ErrorCode } from '../../protocol/codes.js';
import { AuthError, ProtocolError } from '../../protocol/errors.js';
import { isLoopback } from '../connection/net-address.js';
import { MSGPACK_TYPES } from './request.js';

/** What the keyless API tells a browser-originated request (the 403 body's `error`). */
export const BROWSER_REFUSED =
  'browser requests are refused by the HTTP API without an API key (a page on this machine would otherwise act as a trusted loopback caller): call it from your backend, or set apiKey';

/** What the keyless API tells a body of a type a page can send without asking (the 415 body's `error`). */
export const SIMPLE_TYPE_REFUSED =
  'without an API key, request bodies must be sent as Content-Type: application/json or application/msgpack (a browser page can send form and text types to any local port)';

/** A host (as in the Host header or a URL) that names this machine: localhost or a loopback address. */
export function isLoopbackHost(host: string): boolean {
  const name = host.startsWith('[') ? host.slice(1, host.indexOf(']')) : host.replace(/:\d*$/, '');
  return name.toLowerCase() === 'localhost' || isLoopback(name);
}

/**
 * Refuses a browser-originated request to the keyless API: an Origin other than the server's own
 * loopback origin, a Sec-Fetch-Site of another site, a browser request whose Host is not a
 * loopback name (DNS rebinding: the page is same-origin to the browser but not to us), and a body
 * whose content type a page may send cross-origin without a preflight.
 * @throws AuthError FORBIDDEN (BROWSER_REFUSED), ProtocolError UNSUPPORTED (SIMPLE_TYPE_REFUSED).
 */
export function refuseBrowserRequests(method: string, header: (name: string) => string): void {
  const origin = header('origin');
  const site = header('sec-fetch-site');
  const host = header('host');
  const browser = origin !== '' || site !== '';
  if (origin !== '' && !ownOrigin(origin, host)) throw new AuthError(ErrorCode.Forbidden, BROWSER_REFUSED);
  if (site === 'cross-site' || site === 'same-site') throw new AuthError(ErrorCode.Forbidden, BROWSER_REFUSED);
  if (browser && !isLoopbackHost(host)) throw new AuthError(ErrorCode.Forbidden, BROWSER_REFUSED);
  const upper = method.toUpperCase();
  if (upper === 'GET' || upper === 'HEAD') return;
  const type = header('content-type').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json' && !MSGPACK_TYPES.has(type)) throw new ProtocolError(ErrorCode.Unsupported, SIMPLE_TYPE_REFUSED);
}

/** Whether an Origin is this server's own: http(s) on the request's Host, and that host is loopback. */
function ownOrigin(origin: string, host: string): boolean {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false; // "null" (sandboxed frames, file: pages) and anything malformed
  }
  return (url.protocol === 'http:' || url.protocol === 'https:') && url.host === host.toLowerCase() && isLoopbackHost(url.host);
}
