/**
 * JWT verification for connection, Refresh and subscription tokens (jose): an HS256 shared secret,
 * an RS256/ES256 public key (PEM) or a JWKS URL with caching, behind one algorithm allowlist. The
 * key is chosen by the token's `alg` *family*, so an HMAC token is never checked against a public
 * key (the classic alg-confusion attack) and `alg: none` never verifies.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTHeaderParameters, type JWTPayload } from 'jose';
import { ErrorCode } from '../../protocol/codes.js';
import { AuthError, OptionsError } from '../../protocol/errors.js';

/** Algorithms Switchboard can verify. `none` is deliberately absent. */
export const SUPPORTED_ALGORITHMS = ['HS256', 'HS384', 'HS512', 'RS256', 'RS384', 'RS512', 'PS256', 'ES256', 'ES384', 'EdDSA'] as const;
export type JwtAlgorithm = (typeof SUPPORTED_ALGORITHMS)[number];

/** How long fetched JWKS keys are trusted before they are fetched again. */
export const JWKS_CACHE_MAX_AGE_MS = 10 * 60_000; // 10 min
/** Least time between two JWKS fetches triggered by an unknown `kid` (stops kid-spraying from hammering the IdP). */
export const JWKS_COOLDOWN_MS = 30_000; // 30 s
/** Longest a JWKS fetch may take. */
export const JWKS_TIMEOUT_MS = 5000; // 5 s

/** The key settings of ServerOptions this module reads. */
export interface TokenKeyOptions {
  jwtSecret: string | undefined;
  /** PEM text (SPKI public key or X.509 certificate). File paths are read by the caller (options / config file). */
  jwtPublicKey: string | undefined;
  jwksUrl: string | undefined;
  jwtAlgorithms: readonly string[] | undefined;
  jwtIssuer: string | undefined;
  jwtAudience: string | undefined;
}

/** A verified token: who it is for, until when, and everything it claims. */
export interface VerifiedToken {
  /** `sub`, or null when the token has none. */
  userId: string | null;
  /** Expiry in ms since the epoch (`exp` × 1000), or undefined when the token does not expire. */
  expiresAt: number | undefined;
  claims: Record<string, unknown>;
}

const isHmac = (alg: string) => alg.startsWith('HS');

/** Why a subscription token presented as a connection (or Refresh) token is refused. */
export const SUBSCRIPTION_TOKEN_REFUSED = 'a subscription token (topic or channel claim) is not a connection token';

/**
 * Whether a token's claims make it a subscription token: one that names a topic (`topic`) or a
 * channel (`channel`). Such a grant for one private topic, often handed to the browser, must not
 * also be a key to the whole connection (and, with a `sub`, an identity).
 */
export function isSubscriptionToken(claims: Readonly<Record<string, unknown>>): boolean {
  return claims.topic !== undefined || claims.channel !== undefined;
}

/** The algorithms a configuration accepts: the explicit allowlist, else one per configured key. */
export function allowedAlgorithms(options: TokenKeyOptions, publicKey: KeyObject | undefined): string[] {
  if (options.jwtAlgorithms !== undefined) return [...options.jwtAlgorithms];
  const algs: string[] = [];
  if (options.jwtSecret !== undefined) algs.push('HS256');
  if (publicKey !== undefined) algs.push(...algorithmsForKey(publicKey));
  if (options.jwksUrl !== undefined) algs.push('RS256', 'ES256');
  return [...new Set(algs)];
}

function algorithmsForKey(key: KeyObject): string[] {
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return ['RS256'];
    case 'ec':
      return key.asymmetricKeyDetails?.namedCurve === 'secp384r1' ? ['ES384'] : ['ES256'];
    case 'ed25519':
      return ['EdDSA'];
    default:
      return [];
  }
}

/** Parses a PEM public key or certificate, naming the option when it is not one. */
export function parsePublicKey(pem: string): KeyObject {
  try {
    const key = createPublicKey(pem);
    if (key.type !== 'public') throw new Error('not a public key');
    return key;
  } catch (err) {
    throw new OptionsError('jwtPublicKey', `is not a PEM public key or certificate (${(err as Error).message})`);
  }
}

export class TokenVerifier {
  readonly algorithms: readonly string[];
  private readonly secret: Uint8Array | undefined;
  private readonly publicKey: KeyObject | undefined;
  private readonly jwks: ReturnType<typeof createRemoteJWKSet> | undefined;

  /** `jwksTimeoutMs` is for tests, which would otherwise wait out the real 5 s. */
  constructor(
    private readonly options: TokenKeyOptions,
    jwksTimeoutMs = JWKS_TIMEOUT_MS,
  ) {
    this.secret = options.jwtSecret === undefined ? undefined : new TextEncoder().encode(options.jwtSecret);
    this.publicKey = options.jwtPublicKey === undefined ? undefined : parsePublicKey(options.jwtPublicKey);
    this.jwks =
      options.jwksUrl === undefined
        ? undefined
        : createRemoteJWKSet(new URL(options.jwksUrl), { cacheMaxAge: JWKS_CACHE_MAX_AGE_MS, cooldownDuration: JWKS_COOLDOWN_MS, timeoutDuration: jwksTimeoutMs });
    this.algorithms = allowedAlgorithms(options, this.publicKey);
  }

  /**
   * Verifies signature, algorithm, `exp`/`nbf` (and `iss`/`aud` when configured).
   * @throws AuthError TOKEN_EXPIRED for an expired token, UNAUTHORIZED ("invalid token") otherwise.
   */
  async verify(token: string): Promise<VerifiedToken> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, (header, jws) => this.keyFor(header, jws), {
        algorithms: [...this.algorithms],
        issuer: this.options.jwtIssuer,
        audience: this.options.jwtAudience,
      }));
    } catch (err) {
      if (err instanceof joseErrors.JWTExpired) throw new AuthError(ErrorCode.TokenExpired, 'token expired', { cause: err });
      throw new AuthError(ErrorCode.Unauthorized, 'invalid token', { cause: err });
    }
    return {
      userId: typeof payload.sub === 'string' ? payload.sub : null,
      expiresAt: typeof payload.exp === 'number' ? payload.exp * 1000 : undefined,
      claims: { ...payload },
    };
  }

  /**
   * Verifies a connection token (upgrade or Refresh): as verify(), and refuses a subscription token.
   * @throws AuthError UNAUTHORIZED (SUBSCRIPTION_TOKEN_REFUSED) for a token with a topic or channel claim.
   */
  async verifyConnection(token: string): Promise<VerifiedToken> {
    const verified = await this.verify(token);
    if (isSubscriptionToken(verified.claims)) throw new AuthError(ErrorCode.Unauthorized, SUBSCRIPTION_TOKEN_REFUSED);
    return verified;
  }

  // jose has already checked `alg` against the allowlist; pick the key of that algorithm's family.
  private keyFor(header: JWTHeaderParameters, jws: Parameters<ReturnType<typeof createRemoteJWKSet>>[1]) {
    if (isHmac(header.alg)) {
      if (this.secret === undefined) throw new Error('no shared secret configured for HMAC tokens');
      return this.secret;
    }
    if (this.publicKey !== undefined) return this.publicKey;
    if (this.jwks !== undefined) return this.jwks(header, jws);
    throw new Error('no public key configured for asymmetric tokens');
  }
}

/** A verifier for the configuration, or undefined when no token key is configured. */
export function createTokenVerifier(options: TokenKeyOptions): TokenVerifier | undefined {
  if (options.jwtSecret === undefined && options.jwtPublicKey === undefined && options.jwksUrl === undefined) return undefined;
  return new TokenVerifier(options);
}
