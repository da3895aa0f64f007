import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SignJWT, UnsecuredJWT } from 'jose';
import { AuthError, ErrorCode } from '../../../../src/protocol/index.js';
import { createAuthenticator, findToken } from '../../../../src/server/connection/auth.js';
import { TokenVerifier } from '../../../../src/server/connection/token-verifier.js';

const secret = 'test-secret-of-sufficient-length';
const key = new TextEncoder().encode(secret);
const sign = (claims: Record<string, unknown>, exp: string | number = '1h', alg = 'HS256', signKey = key) =>
  new SignJWT(claims).setProtectedHeader({ alg }).setSubject('user-1').setIssuedAt().setExpirationTime(exp).sign(signKey);
const verifier = new TokenVerifier({ jwtSecret: secret, jwtPublicKey: undefined, jwksUrl: undefined, jwtAlgorithms: undefined, jwtIssuer: undefined, jwtAudience: undefined });
const verifyJwt = (token: string, _key: Uint8Array) => verifier.verify(token);
const request = (token: string | undefined) => ({ url: '/', query: new URLSearchParams(), headers: {}, remoteAddress: '127.0.0.1', token });

const refused = (reason: RegExp) => (err: unknown) =>
  err instanceof AuthError && (err.code === ErrorCode.Unauthorized || err.code === ErrorCode.TokenExpired) && reason.test(err.message);

test('findToken prefers query, then subprotocol, then Authorization', () => {
  assert.equal(findToken(new URLSearchParams('token=q'), 's', 'Bearer h'), 'q');
  assert.equal(findToken(new URLSearchParams(), 's', 'Bearer h'), 's');
  assert.equal(findToken(new URLSearchParams(), undefined, 'Bearer h'), 'h');
  assert.equal(findToken(new URLSearchParams(), undefined, 'Basic xyz'), undefined);
});

test('a valid HS256 token gives the user id and claims', async () => {
  const identity = await verifyJwt(await sign({ role: 'trader' }), key);
  assert.equal(identity.userId, 'user-1');
  assert.equal(identity.claims?.role, 'trader');
});

test('expired, wrongly signed, unsigned (alg none) and garbage tokens are refused', async () => {
  await assert.rejects(verifyJwt(await sign({}, Math.floor(Date.now() / 1000) - 60), key), (err: unknown) => err instanceof AuthError && err.code === ErrorCode.TokenExpired);
  await assert.rejects(verifyJwt(await sign({}, '1h', 'HS256', new TextEncoder().encode('another-secret-of-enough-length')), key), refused(/invalid/));
  await assert.rejects(verifyJwt(new UnsecuredJWT({ sub: 'x' }).encode(), key), refused(/invalid/));
  await assert.rejects(verifyJwt(await sign({}, '1h', 'HS512'), key), refused(/invalid/));
  await assert.rejects(verifyJwt('not.a.jwt', key), refused(/invalid/));
});

test('no secret and no hook means anonymous (no authenticator)', () => {
  assert.equal(createAuthenticator(undefined, undefined), undefined);
});

test('with a secret, a token is required', async () => {
  const authenticate = createAuthenticator(verifier, undefined)!;
  await assert.rejects(authenticate(request(undefined)), refused(/required/));
  assert.equal((await authenticate(request(await sign({})))).userId, 'user-1');
});

test('the hook sees JWT claims and may refine or refuse the identity', async () => {
  const authenticate = createAuthenticator(verifier, async (req) => (req.claims?.role === 'banned' ? null : { claims: { desk: 'fx' } }))!;
  const identity = await authenticate(request(await sign({ role: 'trader' })));
  assert.equal(identity.userId, 'user-1');
  assert.equal(identity.claims?.desk, 'fx');
  assert.equal(identity.claims?.role, 'trader');
  await assert.rejects(authenticate(request(await sign({ role: 'banned' }))), refused(/refused/));
});
