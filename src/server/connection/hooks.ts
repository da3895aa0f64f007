/**
 * The application hooks: the Ratchet component (onOpen/onMessage/onClose/onError) as typed
 * callbacks, plus authentication at upgrade and RPC handlers.
 */
import type { Client, Connection } from './connection.js';

/** What the server knows about an HTTP upgrade request when `authenticate` runs. */
export interface UpgradeRequest {
  /** Path of the request, e.g. `/ws`. */
  readonly url: string;
  /** Parsed query string. */
  readonly query: URLSearchParams;
  /** Request headers, lower-case names. */
  readonly headers: Readonly<Record<string, string>>;
  /** Client address as text: the peer, or the `X-Forwarded-For` client when the peer is a trusted proxy. */
  readonly remoteAddress: string;
  /** Token from `?token=`, the `switchboard.token.` subprotocol entry or `Authorization: Bearer`. */
  readonly token: string | undefined;
  /** Verified JWT claims when `jwtSecret` is configured (the token already passed). */
  readonly claims: Readonly<Record<string, unknown>> | undefined;
}

/** The identity an authenticated connection carries; it becomes the socket's user data. */
export interface Identity {
  /** Application user id (JWT `sub`); several connections may share one. */
  userId?: string | null;
  /** Any claims the application wants to keep with the connection. */
  claims?: Record<string, unknown>;
  /** Public data about the user shown to others (e.g. in presence); defaults to the token's `info` claim. */
  info?: unknown;
}

/** Handler for one RPC method: its return value (or resolved value) is the reply's data. */
export type RpcHandler = (client: Client, data: unknown) => unknown;

/** Application callbacks; every one is optional. */
export interface Hooks {
  /**
   * Runs at HTTP upgrade, before the socket exists; may be async (the upgrade is abort-safe).
   * Return the identity to accept, or null/undefined (or throw AuthError) to refuse with 401/403.
   */
  authenticate?: (request: UpgradeRequest) => Identity | null | undefined | Promise<Identity | null | undefined>;
  /** A connection is open and has been sent its welcome frame. */
  onOpen?: (client: Client) => void | Promise<void>;
  /** A client sent a Send frame (`[6, id, data]`); answer with `client.send()`. */
  onMessage?: (client: Client, data: unknown) => void | Promise<void>;
  /** RPC handlers by method name. Throw a RemoteError to choose the error code the caller sees. */
  rpc?: Record<string, RpcHandler>;
  /** A connection closed (the socket can no longer be used). */
  onClose?: (client: Client, code: number, reason: string) => void | Promise<void>;
  /** A hook or handler threw; `client` is set when the error belongs to a connection. */
  onError?: (error: Error, client?: Client) => void;
}

/** Reports an application hook failure (logs it and calls onError). */
export type ReportError = (error: Error, connection?: Connection) => void;
