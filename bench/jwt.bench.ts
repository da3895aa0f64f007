/**
 * JWT suite: verifying a connection token, once per WebSocket upgrade (and per Refresh), through
 * the server's own TokenVerifier (jose underneath, algorithm allowlist, exp check): HS256 with a
 * shared secret, RS256 and ES256 with a PEM public key. Keys are generated at startup.
 */
import { exportSPKI, generateKeyPair, SignJWT } from 'jose';
import { TokenVerifier, type TokenKeyOptions } from '../src/server/connection/token-verifier.js';
import type { BenchCase, BenchSuite } from './runner.js';

const CLAIMS = { sub: 'user-42', topics: ['prices:*', 'chat:lobby'] };
const NO_KEYS: TokenKeyOptions = { jwtSecret: undefined, jwtPublicKey: undefined, jwksUrl: undefined, jwtAlgorithms: undefined, jwtIssuer: undefined, jwtAudience: undefined };

function sign(alg: string) {
  return new SignJWT(CLAIMS).setProtectedHeader({ alg }).setIssuedAt().setExpirationTime('1h');
}

export const jwtSuite: BenchSuite = {
  name: 'jwt',
  description: 'connection-token verification (server TokenVerifier): HS256, RS256, ES256',
  async cases(): Promise<BenchCase[]> {
    const secret = 'a-32-byte-or-longer-hs256-secret!!';
    const hs = await sign('HS256').sign(new TextEncoder().encode(secret));
    const rsa = await generateKeyPair('RS256', { modulusLength: 2048, extractable: true });
    const rs = await sign('RS256').sign(rsa.privateKey);
    const ec = await generateKeyPair('ES256', { extractable: true });
    const es = await sign('ES256').sign(ec.privateKey);
    const hsVerifier = new TokenVerifier({ ...NO_KEYS, jwtSecret: secret });
    const rsVerifier = new TokenVerifier({ ...NO_KEYS, jwtPublicKey: await exportSPKI(rsa.publicKey) });
    const esVerifier = new TokenVerifier({ ...NO_KEYS, jwtPublicKey: await exportSPKI(ec.publicKey) });
    return [
      { name: `verify JWT, HS256, ${hs.length} B token`, fn: () => hsVerifier.verify(hs), async: true },
      { name: `verify JWT, RS256 2048-bit, ${rs.length} B token`, fn: () => rsVerifier.verify(rs), async: true },
      { name: `verify JWT, ES256 P-256, ${es.length} B token`, fn: () => esVerifier.verify(es), async: true },
    ];
  },
};
