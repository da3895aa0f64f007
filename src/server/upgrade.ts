/**
 * The WebSocket upgrade: origin check, subprotocol negotiation and (possibly async) authentication,
 * all before the socket exists. Refusals are plain HTTP responses (401/403) with `{error, code}`.
 */
import { ErrorCode } from '../protocol/codes.js';
import { AuthError, toError } from '../protocol/errors.js';
import { negotiateSubprotocol } from '../protocol/subprotocol.js';
import { findToken, type Authenticator } from './auth.js';
import { Connection, type ConnectionHost, type UserData } from './connection.js';
import { HttpExchange } from './http-exchange.js';
import type { Identity } from './hooks.js';
import { addressText } from './net-address.js';
import type { HttpRequest, HttpResponse, SocketContext } from './uws.js';

export interface UpgradeDeps {
  host: ConnectionHost;
  allowedOrigins: readonly string[];
  authenticator: Authenticator | undefined;
  /** A fresh connection id. */
  nextId: () => string;
  /** Counts a refused upgrade (origin or authentication). */
  onRefused: () => void;
  /** Called when authentication throws something other than AuthError. */
  onUnexpected: (error: Error) => void;
}

/** Builds the `upgrade` handler of the uWS WebSocket behavior. */
export function createUpgradeHandler(deps: UpgradeDeps) {
  const origins = new Set(deps.allowedOrigins);

  return (res: HttpResponse, req: HttpRequest, context: SocketContext): void => {
    // HttpRequest is only valid synchronously: read everything we need now.
    const key = req.getHeader('sec-websocket-key');
    const extensions = req.getHeader('sec-websocket-extensions');
    const negotiated = negotiateSubprotocol(req.getHeader('sec-websocket-protocol'));
    const origin = req.getHeader('origin');
    const remoteAddress = addressText(res.getRemoteAddressAsText());

    // Browsers always send Origin on WebSocket upgrades; a request without one is not a browser
    // and cannot be a cross-site WebSocket hijack, so the allowlist applies to present origins.
    if (origins.size > 0 && origin !== '' && !origins.has(origin)) {
      deps.onRefused();
      new HttpExchange(res).fail(new AuthError(ErrorCode.Forbidden, 'origin not allowed'));
      return;
    }

    const accept = (identity: Identity) => {
      const connection = new Connection(
        deps.host,
        deps.nextId(),
        identity.userId ?? null,
        identity.claims ?? {},
        remoteAddress,
        negotiated.format,
      );
      const userData: UserData = { connection };
      res.upgrade(userData, key, negotiated.selected ?? '', extensions, context);
    };

    if (deps.authenticator === undefined) {
      accept({});
      return;
    }

    const headers: Record<string, string> = {};
    req.forEach((name, value) => {
      headers[name] = value;
    });
    const query = new URLSearchParams(req.getQuery() ?? '');
    const token = findToken(query, negotiated.token, headers.authorization ?? '');
    const exchange = new HttpExchange(res);

    deps.authenticator({ url: req.getUrl(), query, headers, remoteAddress, token }).then(
      (identity) => {
        // The client may have gone away while we waited.
        if (!exchange.open) return;
        exchange.answered = true;
        res.cork(() => accept(identity));
      },
      (err: unknown) => {
        deps.onRefused();
        if (err instanceof AuthError) {
          exchange.fail(err, err.code === ErrorCode.Unauthorized ? { 'WWW-Authenticate': 'Bearer' } : {});
          return;
        }
        deps.onUnexpected(toError(err));
        exchange.fail(new AuthError(ErrorCode.Unauthorized, 'authentication failed'), { 'WWW-Authenticate': 'Bearer' });
      },
    );
  };
}
