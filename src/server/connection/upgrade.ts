/**
 * The WebSocket upgrade, transport-neutral: origin check, admission (attempt rate, connection
 * caps), the front's negotiation (subprotocol, wire format) and (possibly async, time-bounded)
 * authentication, all before the socket exists.
 *
 * Capacity refusals are HTTP answers (429/503 with Retry-After): nothing is worth opening a
 * socket for, and every client retries them anyway. Authentication and origin refusals complete
 * the upgrade and close at once with a documented code and reason, because a browser cannot read
 * a refused upgrade's status or body: it would only see 1006 and reconnect forever. The transport
 * sends such a refusal and closes the TCP connection in one go (`UpgradeResponse.refuse`), without
 * waiting for the peer to answer the close frame.
 */
import { CloseCode, ErrorCode } from '../../protocol/codes.js';
import { SwitchboardError, toError } from '../../protocol/errors.js';
import type { UpgradeResponse as PeerUpgradeResponse, Upgrader as PeerUpgrader } from '../transport/websocket.js';
import type { Admission } from './admission.js';
import { expiryOf, findToken, type Authenticator } from './auth.js';
import { BackendError } from './backend-hooks/backend-error.js';
import type { ClientAddressResolver } from './client-address.js';
import { Connection, type ConnectionHost, type ConnectionWire } from './connection.js';
import { ConnectionGuard, type ConnectionRateLimits } from './guard.js';
import type { Identity } from './hooks.js';

/** The answer side of an upgrade that accepts connections (the seam's, for this layer's peer). */
export type UpgradeResponse = PeerUpgradeResponse<Connection>;

/** What a protocol front decides from the request's `Sec-WebSocket-Protocol` header. */
export interface Negotiated {
  /** How the connection will speak. */
  readonly speaks: ConnectionWire;
  /** The subprotocol to answer ('' for none). */
  readonly subprotocol: string;
  /** A token carried in the subprotocol list, if the front supports that. */
  readonly token: string | undefined;
  /** Set when the request cannot be served by this front: the connection is closed at once with it. */
  readonly refusal?: { readonly code: number; readonly reason: string };
}

export interface UpgradeDeps {
  host: ConnectionHost;
  allowedOrigins: readonly string[];
  authenticator: Authenticator | undefined;
  /** Longest the authenticator may take before the upgrade is refused with 504. */
  authTimeoutMs: number;
  admission: Admission;
  clientAddress: ClientAddressResolver;
  rateLimits: ConnectionRateLimits;
  /**
   * Picks the request headers an accepted connection keeps for later backend hook calls; absent
   * when no such hook is configured (then no header is read or kept for this).
   */
  keepHeaders?: (headers: Readonly<Record<string, string>>) => Readonly<Record<string, string>>;
  /** The protocol front's negotiation. */
  negotiate: (subprotocolHeader: string) => Negotiated;
  /** A fresh connection id. */
  nextId: () => string;
  /** Counts a refused upgrade (limits, origin or authentication). */
  onRefused: () => void;
  /** Called when authentication throws something other than a SwitchboardError. */
  onUnexpected: (error: Error) => void;
  /** Reports a refusal (for the log): the close code, its reason and the client address. */
  onRefusal: (code: number, reason: string, remoteAddress: string) => void;
}

/** An upgrade handler that accepts connections (the seam's upgrader, for this layer's peer). */
export type Upgrader = PeerUpgrader<Connection>;

const NO_CLAIMS: Readonly<Record<string, unknown>> = Object.freeze({});

/** The close code a refused authentication gets (docs/protocol.md §1.5). */
export function refusalCloseCode(err: unknown): number {
  if (!(err instanceof SwitchboardError)) return CloseCode.Unauthorized;
  // The backend being down says nothing about the credentials: the client should come back.
  if (err instanceof BackendError && err.failure !== 'timeout') return CloseCode.BackendUnavailable;
  switch (err.code) {
    case ErrorCode.TokenExpired:
      return CloseCode.TokenExpired;
    case ErrorCode.Forbidden:
      return CloseCode.Forbidden;
    case ErrorCode.Timeout:
      return CloseCode.AuthTimeout;
    default:
      return CloseCode.Unauthorized;
  }
}

/** Builds the upgrade handler. */
export function createUpgrader(deps: UpgradeDeps): Upgrader {
  const origins = new Set(deps.allowedOrigins);

  return (request, response) => {
    const negotiated = deps.negotiate(request.header('sec-websocket-protocol'));
    const origin = request.header('origin');
    const remoteAddress = deps.clientAddress(request.peerAddress, request.header('x-forwarded-for'));

    try {
      deps.admission.reserve(remoteAddress);
    } catch (err) {
      deps.onRefused();
      response.fail(err);
      return;
    }
    // The guard holds the admission slot from here until the socket closes (or the client gives up).
    const guard = new ConnectionGuard(deps.rateLimits, deps.admission, remoteAddress);

    // A refused connection only lives to carry its close code; it holds its admission slot until
    // the transport has closed it, so refusals cannot be used to get around the connection caps.
    // A peer that ignores the close frame does not keep it open (UpgradeResponse.refuse).
    const refused = (code: number, reason: string): Connection => {
      const connection = new Connection(deps.host, deps.nextId(), null, NO_CLAIMS, remoteAddress, negotiated.speaks);
      connection.refusal = { code, reason };
      connection.guard = guard;
      return connection;
    };
    // When the client already went away, the transport answers nothing: only the slot is left to free.
    const refuseWith = (connection: Connection): void => {
      if (response.open) response.refuse(connection, negotiated.subprotocol);
      else guard.release();
    };

    // Browsers always send Origin on WebSocket upgrades; a request without one is not a browser
    // and cannot be a cross-site WebSocket hijack, so the allowlist applies to present origins.
    // Checked after admission, so refused origins count against the attempt rate and caps too.
    if (origins.size > 0 && origin !== '' && !origins.has(origin)) {
      deps.onRefused();
      deps.onRefusal(CloseCode.OriginNotAllowed, 'origin not allowed', remoteAddress);
      refuseWith(refused(CloseCode.OriginNotAllowed, 'origin not allowed'));
      return;
    }

    if (negotiated.refusal !== undefined) {
      const { code, reason } = negotiated.refusal;
      deps.onRefused();
      deps.onRefusal(code, reason, remoteAddress);
      refuseWith(refused(code, reason));
      return;
    }

    // uWS's request is gone after the first await: read every header now, if anything needs them.
    const headers = deps.authenticator !== undefined || deps.keepHeaders !== undefined ? request.allHeaders() : {};
    const kept = deps.keepHeaders?.(headers);

    const accept = (identity: Identity) => {
      // Anonymous connections share one frozen empty claims object instead of one each.
      const claims = identity.claims ?? NO_CLAIMS;
      const connection = new Connection(deps.host, deps.nextId(), identity.userId ?? null, claims, remoteAddress, negotiated.speaks);
      connection.info = identity.info !== undefined ? identity.info : claims.info;
      connection.backendHeaders = kept;
      connection.guard = guard;
      guard.expiresAt = expiryOf(claims); // armed at open, once there is a socket to close
      response.accept(connection, negotiated.subprotocol);
    };

    if (deps.authenticator === undefined) {
      accept({});
      return;
    }

    const query = new URLSearchParams(request.query);
    const token = findToken(query, negotiated.token, headers.authorization ?? '');
    // A client that gives up while we authenticate frees its slot at once.
    response.onAbort = () => guard.release();

    const refuse = (err: unknown) => {
      if (!response.open) {
        guard.release();
        return;
      }
      deps.onRefused();
      if (!(err instanceof SwitchboardError)) deps.onUnexpected(toError(err));
      const reason = err instanceof SwitchboardError ? err.message : 'authentication failed';
      const code = refusalCloseCode(err);
      deps.onRefusal(code, reason, remoteAddress);
      refuseWith(refused(code, reason));
    };

    // Slow-loris through a hanging hook or JWKS endpoint: refuse with AUTH_TIMEOUT and drop the late result.
    const timer = setTimeout(
      () => refuse(new SwitchboardError(ErrorCode.Timeout, `authentication did not finish within ${deps.authTimeoutMs} ms`)),
      deps.authTimeoutMs,
    );
    deps.authenticator({ url: request.url, query, headers, remoteAddress, token }).then(
      (identity) => {
        clearTimeout(timer);
        // The client may have gone away, or the timeout answered, while we waited.
        if (!response.open) return;
        accept(identity);
      },
      (err: unknown) => {
        clearTimeout(timer);
        refuse(err);
      },
    );
  };
}
