/**
 * The Refresh frame (`[7, id, token]`): a connection swaps in a new token before the old one
 * expires. The new token must verify and belong to the same user; it then replaces the claims and
 * re-arms the expiry timer.
 */
import { ErrorCode } from '../../protocol/codes.js';
import { AuthError, SwitchboardError } from '../../protocol/errors.js';
import type { Connection } from './connection.js';
import type { TokenVerifier } from './token-verifier.js';

/** Applies a refresh token to a connection; resolves with the new expiry (ms since epoch) or null. */
export type Refresher = (connection: Connection, token: string) => Promise<number | null>;

export function createRefresher(verifier: TokenVerifier | undefined): Refresher {
  return async (connection, token) => {
    if (verifier === undefined) throw new SwitchboardError(ErrorCode.Unsupported, 'this server does not use connection tokens');
    // Throws AuthError: TOKEN_EXPIRED (114) or UNAUTHORIZED (108, "invalid token", or a subscription token).
    const verified = await verifier.verifyConnection(token);
    if (verified.userId !== connection.userId) throw new AuthError(ErrorCode.Forbidden, 'a refresh token must be for the same user (sub)');
    if (connection.closed) return null;
    connection.claims = verified.claims;
    if (verified.claims.info !== undefined) connection.info = verified.claims.info;
    connection.guard?.armExpiry(connection, verified.expiresAt);
    return verified.expiresAt ?? null;
  };
}
