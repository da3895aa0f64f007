/**
 * Connection authentication: token extraction, the built-in HS256 JWT check (jose) and the
 * application's authenticate hook, combined into one async decision. No uWS here.
 */
import { errors as joseErrors, jwtVerify } from 'jose';
import { ErrorCode } from '../protocol/codes.js';
import { AuthError } from '../protocol/errors.js';
import type { Hooks, Identity, UpgradeRequest } from './hooks.js';

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

/** Verifies an HS256 JWT and returns its identity (`sub` → userId, all claims kept). */
export async function verifyJwt(token: string, secret: Uint8Array): Promise<Identity> {
  try {
    const { payload } = await jwtVerify(token, secret, { algorithms: ['HS256'] });
    const userId = typeof payload.sub === 'string' ? payload.sub : null;
    return { userId, claims: { ...payload } };
  } catch (err) {
    const reason = err instanceof joseErrors.JWTExpired ? 'token expired' : 'invalid token';
    throw new AuthError(ErrorCode.Unauthorized, reason, { cause: err });
  }
}

/**
 * Builds the authenticator for a configuration, or undefined when connections are anonymous
 * (no JWT secret and no hook). With both, the JWT is checked first and the hook sees its claims.
 */
export function createAuthenticator(jwtSecret: string | undefined, hook: Hooks['authenticate']): Authenticator | undefined {
  if (jwtSecret === undefined && hook === undefined) return undefined;
  const secret = jwtSecret === undefined ? undefined : new TextEncoder().encode(jwtSecret);
  return async (request) => {
    let identity: Identity = {};
    if (secret !== undefined) {
      if (request.token === undefined) throw new AuthError(ErrorCode.Unauthorized, 'token required');
      identity = await verifyJwt(request.token, secret);
    }
    if (hook === undefined) return identity;
    const result = await hook({ ...request, claims: identity.claims });
    if (result === null || result === undefined) throw new AuthError(ErrorCode.Unauthorized, 'authentication refused');
    return { userId: result.userId ?? identity.userId ?? null, claims: { ...identity.claims, ...result.claims } };
  };
}
