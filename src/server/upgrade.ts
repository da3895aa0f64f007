/**
 * The WebSocket upgrade: admission (attempt rate, connection caps), origin check, subprotocol
 * negotiation and (possibly async, time-bounded) authentication, all before the socket exists.
 * Refusals are plain HTTP responses (401/403/429/503/504) with `{error, code}`.
 */
import { ErrorCode } from '../protocol/codes.js';
import { AuthError, SwitchboardError, toError } from '../protocol/errors.js';
import { negotiateSubprotocol } from '../protocol/subprotocol.js';
import type { Admission, Slot } from './admission.js';
import { expiryOf, findToken, type Authenticator } from './auth.js';
import type { ClientAddressResolver } from './client-address.js';
import { ConnectionGuard, type ConnectionRateLimits } from './connection-guard.js';
import { Connection, type ConnectionHost, type UserData } from './connection.js';
import { HttpExchange } from './http-exchange.js';
import type { Identity } from './hooks.js';
import { addressText } from './net-address.js';
import type { HttpRequest, HttpResponse, SocketContext } from './uws.js';

export interface UpgradeDeps {
  host: ConnectionHost;
  allowedOrigins: readonly string[];
  authenticator: Authenticator | undefined;
  /** Longest the authenticator may take before the upgrade is refused with 504. */
  authTimeoutMs: number;
  admission: Admission;
  clientAddress: ClientAddressResolver;
  rateLimits: ConnectionRateLimits;
  /** A fresh connection id. */
  nextId: () => string;
  /** Counts a refused upgrade (limits, origin or authentication). */
  onRefused: () => void;
  /** Called when authentication throws something other than a SwitchboardError. */
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
    const remoteAddress = deps.clientAddress(addressText(res.getRemoteAddressAsText()), req.getHeader('x-forwarded-for'));
    const exchange = new HttpExchange(res);

    // Browsers always send Origin on WebSocket upgrades; a request without one is not a browser
    // and cannot be a cross-site WebSocket hijack, so the allowlist applies to present origins.
    if (origins.size > 0 && origin !== '' && !origins.has(origin)) {
      deps.onRefused();
      exchange.fail(new AuthError(ErrorCode.Forbidden, 'origin not allowed'));
      return;
    }

    let slot: Slot;
    try {
      slot = deps.admission.admit(remoteAddress);
    } catch (err) {
      deps.onRefused();
      exchange.fail(err);
      return;
    }

    const accept = (identity: Identity) => {
      const claims = identity.claims ?? {};
      const connection = new Connection(deps.host, deps.nextId(), identity.userId ?? null, claims, remoteAddress, negotiated.format);
      connection.info = identity.info !== undefined ? identity.info : claims.info;
      connection.guard = new ConnectionGuard(deps.rateLimits, slot);
      connection.guard.expiresAt = expiryOf(claims); // armed in open(), once there is a socket to close
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
    // A client that gives up while we authenticate frees its slot at once.
    exchange.onAbort = () => slot.release();

    const refuse = (err: unknown) => {
      slot.release();
      if (!exchange.open) return;
      deps.onRefused();
      if (err instanceof SwitchboardError) {
        const unauthorized = err.code === ErrorCode.Unauthorized || err.code === ErrorCode.TokenExpired;
        exchange.fail(err, unauthorized ? { 'WWW-Authenticate': 'Bearer' } : {});
        return;
      }
      deps.onUnexpected(toError(err));
      exchange.fail(new AuthError(ErrorCode.Unauthorized, 'authentication failed'), { 'WWW-Authenticate': 'Bearer' });
    };

    // Slow-loris through a hanging hook or JWKS endpoint: answer 504 and drop the late result.
    const timer = setTimeout(
      () => refuse(new SwitchboardError(ErrorCode.Timeout, `authentication did not finish within ${deps.authTimeoutMs} ms`)),
      deps.authTimeoutMs,
    );
    deps.authenticator({ url: req.getUrl(), query, headers, remoteAddress, token }).then(
      (identity) => {
        clearTimeout(timer);
        // The client may have gone away, or the timeout answered, while we waited.
        if (!exchange.open) return;
        exchange.answered = true;
        res.cork(() => accept(identity));
      },
      (err: unknown) => {
        clearTimeout(timer);
        refuse(err);
      },
    );
  };
}
