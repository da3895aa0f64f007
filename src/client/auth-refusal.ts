/**
 * What the client does when the server refuses its authentication. The server completes the
 * upgrade and closes at once with a code (a refused HTTP upgrade is invisible to browsers, which
 * would only see 1006 and retry forever). Whether retrying can help depends on the code and on
 * where the token comes from: a fixed string that expired or was refused will be refused again,
 * while a token function may produce a better one.
 */
import { CloseCode, closeInfo } from '../protocol/codes.js';
import { RemoteError } from '../protocol/errors.js';
import type { TokenFunction } from './options.js';

/** Close codes that mean "authentication refused" (protocol §9). */
export const AUTH_CLOSE_CODES: ReadonlySet<number> = new Set([CloseCode.TokenExpired, CloseCode.AuthTimeout, CloseCode.Forbidden, CloseCode.Unauthorized, CloseCode.OriginNotAllowed]);

/** Whether a close code is an authentication refusal. */
export function isAuthRefusal(code: number): boolean {
  return AUTH_CLOSE_CODES.has(code);
}

/** Where the client's token comes from. */
export type TokenSource = 'none' | 'fixed' | 'function';

/** The `token` option's kind. */
export function tokenSource(token: string | TokenFunction | undefined): TokenSource {
  if (token === undefined) return 'none';
  return typeof token === 'function' ? 'function' : 'fixed';
}

/**
 * What to do after a refusal: `retry` reconnects with backoff (a token function is asked again
 * before connecting, as always); `retry-if-new-token` asks the token function now and reconnects
 * only if it returns a token other than the refused one; `stop` closes the client for good.
 */
export interface AuthRetry {
  action: 'retry' | 'retry-if-new-token' | 'stop';
  /** Why, for the error message. */
  why: string;
}

/** The retry rule for an authentication close code (see AUTH_CLOSE_CODES) and token source. */
export function authRetry(code: number, source: TokenSource): AuthRetry {
  switch (code) {
    case CloseCode.AuthTimeout:
      return { action: 'retry', why: 'the server may answer in time on another attempt; retrying with backoff' };
    case CloseCode.TokenExpired:
      if (source === 'function') return { action: 'retry', why: 'reconnecting with a fresh token from the token function' };
      return { action: 'stop', why: `${describeSource(source)}, which cannot be renewed: pass a token function to recover` };
    case CloseCode.Unauthorized:
      if (source === 'function') return { action: 'retry-if-new-token', why: 'asking the token function for a different token' };
      return { action: 'stop', why: `${describeSource(source)}, which the server will refuse again` };
    case CloseCode.Forbidden:
      return { action: 'stop', why: 'the application refused this connection; not retrying' };
    case CloseCode.OriginNotAllowed:
      return { action: 'stop', why: "this page's origin is not in the server's allowlist; not retrying" };
    default:
      return { action: 'stop', why: 'not retrying' };
  }
}

function describeSource(source: TokenSource): string {
  return source === 'none' ? 'the client has no token' : 'the token option is a fixed string';
}

/**
 * The server refused the connection's authentication: `code` is the close code (4001, 4004, 4503,
 * 4504 or 4505) and `reason` the server's close reason ("token expired", "invalid token", ...).
 * Emitted as `auth_error`; when the client stops because of it, every call waiting for the
 * connection rejects with it.
 */
export class AuthRefusedError extends RemoteError {
  /** The server's close reason, a short human text. */
  readonly reason: string;
  /** Whether the client will try again (see the retry rules in docs/api.md §2.6). */
  readonly willReconnect: boolean;

  constructor(code: number, reason: string, willReconnect: boolean, why: string) {
    super(code, `authentication refused (${code} ${closeInfo(code)?.name ?? 'UNKNOWN'}${reason ? `: ${reason}` : ''}); ${why}`);
    this.reason = reason;
    this.willReconnect = willReconnect;
  }

  /** Stable name of the close code, e.g. `UNAUTHORIZED` for 4504. */
  override get codeName(): string {
    return closeInfo(this.code)?.name ?? 'UNKNOWN';
  }
}
