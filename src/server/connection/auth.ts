/**
 * Connection authentication: token extraction, the built-in JWT check (token-verifier.ts) and the
 * application's authenticate hook, combined into one async decision. No uWS here.
 */
import { ErrorCode } from '../../protocol/codes.js';
import { AuthError } from '../../protocol/errors.js';
import type { Hooks, Identity, UpgradeRequest } from './hooks.js';
import type { TokenVerifier } from './token-verifier.js';

/** Decides whether an upgrade request may connect and who it is. */
export type Authenticator = (request: Omit<UpgradeRequest, 'claims'>) => Promise<Identity>;

/** The token a request carries: `?token=`, then a `switchboard.token.` subprotocol entry, then `Authorization: Bearer`. */
export function findToken(query: URLSearchParams, subprotocolToken: string | undefined, authorization: string): string | undefined {
  const fromQuery = query.get('token');
  if (fromQuery) return fromQuery;
  if (subprotocolToken) return subprotocolToken;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  return match?.[1];
}

/**
 * Builds the authenticator for a configuration, or undefined when connections are anonymous
 * (no token key and no hook). With both, the JWT is checked first and the hook sees its claims.
 */
export function createAuthenticator(verifier: TokenVerifier | undefined, hook: Hooks['authenticate']): Authenticator | undefined {
  if (verifier === undefined && hook === undefined) return undefined;
  return async (request) => {
    let identity: Identity = {};
    if (verifier !== undefined) {
      if (request.token === undefined) throw new AuthError(ErrorCode.Unauthorized, 'token required');
      const verified = await verifier.verifyConnection(request.token);
      identity = { userId: verified.userId, claims: verified.claims };
    }
    if (hook === undefined) return identity;
    const result = await hook({ ...request, claims: identity.claims });
    if (result === null || result === undefined) throw new AuthError(ErrorCode.Unauthorized, 'authentication refused');
    return {
      userId: result.userId ?? identity.userId ?? null,
      claims: { ...identity.claims, ...result.claims },
      ...(result.info !== undefined ? { info: result.info } : {}),
    };
  };
}

/** Expiry of an identity in ms since the epoch: its claims' numeric `exp`, if any. */
export function expiryOf(claims: Readonly<Record<string, unknown>>): number | undefined {
  return typeof claims.exp === 'number' && Number.isFinite(claims.exp) ? claims.exp * 1000 : undefined;
}
