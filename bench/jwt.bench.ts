/**
 * JWT suite: verifying a connection token, once per WebSocket upgrade. HS256 goes through the
 * server's own `verifyJwt` (jose, what `jwtSecret` uses); RS256 and ES256 call jose's `jwtVerify`
 * directly, to show what asymmetric keys would cost. Keys are generated at startup.
 */
import { generateKeyPair, jwtVerify, SignJWT } from 'jose';
import { verifyJwt } from '../src/server/auth.js';
import type { BenchCase, BenchSuite } from './runner.js';

const CLAIMS = { sub: 'user-42', scope: 'prices:* chat:lobby' };

function sign(alg: string) {
  return new SignJWT(CLAIMS).setProtectedHeader({ alg }).setIssuedAt().setExpirationTime('1h');
}

export const jwtSuite: BenchSuite = {
  name: 'jwt',
  description: 'connection-token verification with jose: HS256 (server path), RS256, ES256',
  async cases(): Promise<BenchCase[]> {
    const secret = new TextEncoder().encode('a-32-byte-or-longer-hs256-secret!!');
    const hs = await sign('HS256').sign(secret);
    const rsa = await generateKeyPair('RS256', { modulusLength: 2048 });
    const rs = await sign('RS256').sign(rsa.privateKey);
    const ec = await generateKeyPair('ES256');
    const es = await sign('ES256').sign(ec.privateKey);
    return [
      { name: `verify JWT, HS256 (server verifyJwt), ${hs.length} B token`, fn: () => verifyJwt(hs, secret), async: true },
      { name: `verify JWT, RS256 2048-bit, ${rs.length} B token`, fn: () => jwtVerify(rs, rsa.publicKey, { algorithms: ['RS256'] }), async: true },
      { name: `verify JWT, ES256 P-256, ${es.length} B token`, fn: () => jwtVerify(es, ec.publicKey, { algorithms: ['ES256'] }), async: true },
    ];
  },
};
