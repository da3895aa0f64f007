import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, test } from 'node:test';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, UnsecuredJWT, base64url } from 'jose';
import { AuthError, ErrorCode } from '../../../../src/protocol/index.js';
import { TokenVerifier, type TokenKeyOptions } from '../../../../src/server/connection/token-verifier.js';

const none: TokenKeyOptions = { jwtSecret: undefined, jwtPublicKey: undefined, jwksUrl: undefined, jwtAlgorithms: undefined, jwtIssuer: undefined, jwtAudience: undefined };
const secret = 'unit-secret-of-sufficient-length';
const rsa = await generateKeyPair('RS256', { extractable: true });
const ec = await generateKeyPair('ES256', { extractable: true });
const otherRsa = await generateKeyPair('RS256', { extractable: true });
const rsaPem = await exportSPKI(rsa.publicKey);
const ecPem = await exportSPKI(ec.publicKey);

const sign = (alg: string, key: CryptoKey | Uint8Array, claims: Record<string, unknown> = {}, kid?: string, exp: string | number = '1h') =>
  new SignJWT(claims).setProtectedHeader({ alg, ...(kid ? { kid } : {}) }).setSubject('u1').setExpirationTime(exp).sign(key);
const invalid = (err: unknown) => err instanceof AuthError && err.code === ErrorCode.Unauthorized && err.message === 'invalid token';

test('RS256 and ES256 tokens verify against a PEM public key; sub, exp and claims come through', async () => {
  const rs = new TokenVerifier({ ...none, jwtPublicKey: rsaPem });
  assert.deepEqual(rs.algorithms, ['RS256']);
  const verified = await rs.verify(await sign('RS256', rsa.privateKey, { topics: ['a:*'], info: { name: 'Ann' } }));
  assert.equal(verified.userId, 'u1');
  assert.ok(verified.expiresAt! > Date.now());
  assert.deepEqual(verified.claims.info, { name: 'Ann' });
  const es = new TokenVerifier({ ...none, jwtPublicKey: ecPem });
  assert.deepEqual(es.algorithms, ['ES256']);
  assert.equal((await es.verify(await sign('ES256', ec.privateKey))).userId, 'u1');
});

test('wrong key, alg none, disallowed algorithm and alg confusion are all "invalid token"', async () => {
  const rs = new TokenVerifier({ ...none, jwtPublicKey: rsaPem });
  await assert.rejects(rs.verify(await sign('RS256', otherRsa.privateKey)), invalid);
  await assert.rejects(rs.verify(new UnsecuredJWT({ sub: 'u1' }).encode()), invalid);
  // A hand-made "alg: none" token with an empty signature.
  const header = base64url.encode(JSON.stringify({ alg: 'none', typ: 'JWT' }));
  const body = base64url.encode(JSON.stringify({ sub: 'admin' }));
  await assert.rejects(rs.verify(`${header}.${body}.`), invalid);
  // Alg confusion: HMAC-signed with the public key's PEM as the secret.
  const confused = await sign('HS256', new TextEncoder().encode(rsaPem));
  await assert.rejects(rs.verify(confused), invalid);
  // Even with a shared secret configured too, an HMAC token is checked against the secret only.
  const both = new TokenVerifier({ ...none, jwtSecret: secret, jwtPublicKey: rsaPem });
  assert.deepEqual(both.algorithms, ['HS256', 'RS256']);
  await assert.rejects(both.verify(confused), invalid);
  assert.equal((await both.verify(await sign('HS256', new TextEncoder().encode(secret)))).userId, 'u1');
  // An explicit allowlist narrows what a key would accept.
  const only = new TokenVerifier({ ...none, jwtSecret: secret, jwtPublicKey: rsaPem, jwtAlgorithms: ['RS256'] });
  await assert.rejects(only.verify(await sign('HS256', new TextEncoder().encode(secret))), invalid);
  // ES256 token against an RSA-only configuration.
  await assert.rejects(rs.verify(await sign('ES256', ec.privateKey)), invalid);
});

test('expired tokens are TOKEN_EXPIRED; issuer and audience are enforced when configured', async () => {
  const rs = new TokenVerifier({ ...none, jwtPublicKey: rsaPem, jwtIssuer: 'https://idp.example', jwtAudience: 'switchboard' });
  const good = await new SignJWT({}).setProtectedHeader({ alg: 'RS256' }).setSubject('u1').setIssuer('https://idp.example').setAudience('switchboard').setExpirationTime('1h').sign(rsa.privateKey);
  assert.equal((await rs.verify(good)).userId, 'u1');
  const expired = await new SignJWT({}).setProtectedHeader({ alg: 'RS256' }).setIssuer('https://idp.example').setAudience('switchboard').setExpirationTime(Math.floor(Date.now() / 1000) - 60).sign(rsa.privateKey);
  await assert.rejects(rs.verify(expired), (err: unknown) => err instanceof AuthError && err.code === ErrorCode.TokenExpired);
  const wrongAudience = await new SignJWT({}).setProtectedHeader({ alg: 'RS256' }).setIssuer('https://idp.example').setAudience('other').setExpirationTime('1h').sign(rsa.privateKey);
  await assert.rejects(rs.verify(wrongAudience), invalid);
});

test('JWKS: keys are fetched from the URL by kid and cached', async () => {
  let fetches = 0;
  const jwk = { ...(await exportJWK(rsa.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  const ecJwk = { ...(await exportJWK(ec.publicKey)), kid: 'k2', alg: 'ES256', use: 'sig' };
  const http = createServer((_req, res) => {
    fetches++;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk, ecJwk] }));
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  after(() => http.close());
  const verifier = new TokenVerifier({ ...none, jwksUrl: `http://127.0.0.1:${(http.address() as AddressInfo).port}/jwks.json` });
  assert.deepEqual(verifier.algorithms, ['RS256', 'ES256']);
  for (let i = 0; i < 5; i++) assert.equal((await verifier.verify(await sign('RS256', rsa.privateKey, {}, 'k1'))).userId, 'u1');
  assert.equal((await verifier.verify(await sign('ES256', ec.privateKey, {}, 'k2'))).userId, 'u1');
  assert.equal(fetches, 1, 'one fetch serves every later verification');
  // A key the set does not hold (and a kid it does not know) is refused.
  await assert.rejects(verifier.verify(await sign('RS256', otherRsa.privateKey, {}, 'k1')), invalid);
  await assert.rejects(verifier.verify(await sign('RS256', otherRsa.privateKey, {}, 'unknown')), invalid);
  await assert.rejects(verifier.verify(await sign('HS256', new TextEncoder().encode(secret))), invalid);
});

test('JWKS: a flood of unknown kids does not refetch the set within the cooldown', async () => {
  let fetches = 0;
  const keys = [{ ...(await exportJWK(rsa.publicKey)), kid: 'old', alg: 'RS256', use: 'sig' }];
  const http = createServer((_req, res) => {
    fetches++;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys }));
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  after(() => http.close());
  const verifier = new TokenVerifier({ ...none, jwksUrl: `http://127.0.0.1:${(http.address() as AddressInfo).port}/jwks.json` });
  assert.equal((await verifier.verify(await sign('RS256', rsa.privateKey, {}, 'old'))).userId, 'u1');
  assert.equal(fetches, 1);
  // Forged tokens with ever-new kids must not turn the server into a JWKS request amplifier: for
  // the 30 s cooldown after a fetch, an unknown kid is refused without asking the provider again
  // (so a rotated-in key is picked up at most 30 s after the provider publishes it).
  keys.push({ ...(await exportJWK(otherRsa.publicKey)), kid: 'new', alg: 'RS256', use: 'sig' });
  for (let i = 0; i < 10; i++) await assert.rejects(verifier.verify(await sign('RS256', otherRsa.privateKey, {}, `forged-${i}`)), invalid);
  await assert.rejects(verifier.verify(await sign('RS256', otherRsa.privateKey, {}, 'new')), invalid);
  assert.equal(fetches, 1, 'no refetch within the cooldown');
});

test('JWKS: an endpoint that never answers makes verification fail (timeout), not hang', { timeout: 10_000 }, async () => {
  const http = createServer(() => {
    // Never answers.
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  after(() => http.closeAllConnections?.());
  after(() => http.close());
  // A shorter timeout than the real 5 s, so the test does not wait it out; without any timeout
  // the verify would never settle and the test would time out instead of passing.
  const verifier = new TokenVerifier({ ...none, jwksUrl: `http://127.0.0.1:${(http.address() as AddressInfo).port}/jwks.json` }, 200);
  await assert.rejects(verifier.verify(await sign('RS256', rsa.privateKey, {}, 'old')), invalid);
});
