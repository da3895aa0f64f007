import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { base64url, exportJWK, exportSPKI, generateKeyPair, SignJWT, UnsecuredJWT } from 'jose';
import { CloseCode, ErrorCode, Kind, type ErrorFrame, type ReplyFrame } from '../../src/protocol/index.js';
import { startBystander } from '../helpers/bystander.js';
import { RawClient } from '../helpers/raw-client.js';
import { sleep, startServer, waitFor } from '../helpers/server.js';
import { upgradeStatus } from '../helpers/upgrade.js';

const rsa = await generateKeyPair('RS256', { extractable: true });
const ec = await generateKeyPair('ES256', { extractable: true });
const attacker = await generateKeyPair('RS256', { extractable: true });
const rsaPem = await exportSPKI(rsa.publicKey);
const secret = 'security-suite-secret-0123456789';
const nowSeconds = () => Math.floor(Date.now() / 1000);

const sign = (key: CryptoKey | Uint8Array, alg: string, sub: string, exp: number | string = '1h', claims: Record<string, unknown> = {}, kid?: string) =>
  new SignJWT(claims).setProtectedHeader({ alg, ...(kid ? { kid } : {}) }).setSubject(sub).setExpirationTime(exp).sign(key);
const hmac = (key: string) => new TextEncoder().encode(key);

describe('RS256 connection tokens from a PEM file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-keys-'));
  const pemPath = join(dir, 'public.pem');
  writeFileSync(pemPath, rsaPem);
  const opened: Array<{ userId: string | null; info: unknown }> = [];
  const { server, url } = await startServer({ jwtPublicKey: pemPath, onOpen: (client) => void opened.push({ userId: client.userId, info: client.info }) });
  const bystander = await startBystander(server, url, 'bystander', { token: () => sign(rsa.privateKey, 'RS256', 'watcher') });

  test('a valid RS256 token connects; sub becomes userId and the info claim connection.info', async () => {
    const token = await sign(rsa.privateKey, 'RS256', 'alice', '1h', { info: { name: 'Alice' } });
    const raw = await RawClient.connect(`${url}?token=${token}`);
    await waitFor(() => opened.some((o) => o.userId === 'alice'), 2000, 'open');
    assert.deepEqual(opened.find((o) => o.userId === 'alice')!.info, { name: 'Alice' });
    raw.close();
    await bystander.check();
  });

  test('alg none, HS256 signed with the public key (alg confusion), a wrong key and ES256 are closed 4504 "invalid token"', async () => {
    const header = base64url.encode(JSON.stringify({ alg: 'none', typ: 'JWT' }));
    const unsigned = `${header}.${base64url.encode(JSON.stringify({ sub: 'admin', exp: nowSeconds() + 3600 }))}.`;
    const tokens = [
      unsigned,
      new UnsecuredJWT({ sub: 'admin' }).encode(),
      await sign(hmac(rsaPem), 'HS256', 'admin'),
      await sign(attacker.privateKey, 'RS256', 'admin'),
      await sign(ec.privateKey, 'ES256', 'admin'),
      'a.b.c',
    ];
    for (const token of tokens) {
      const outcome = await upgradeStatus(`${url}?token=${token}`);
      assert.deepEqual(outcome.close, { code: 4504, reason: 'invalid token' }, token);
    }
    const expired = await upgradeStatus(`${url}?token=${await sign(rsa.privateKey, 'RS256', 'bob', nowSeconds() - 30)}`);
    assert.deepEqual(expired.close, { code: 4001, reason: 'token expired' });
    assert.equal(opened.some((o) => o.userId === 'admin' || o.userId === 'bob'), false);
    await bystander.check();
  });
});

describe('JWKS URL', async () => {
  let fetches = 0;
  const jwks = createHttpServer(async (_req, res) => {
    fetches++;
    const keys = [{ ...(await exportJWK(rsa.publicKey)), kid: 'rsa-1', alg: 'RS256' }, { ...(await exportJWK(ec.publicKey)), kid: 'ec-1', alg: 'ES256' }];
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys }));
  });
  await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
  after(() => jwks.close());
  const { url } = await startServer({ jwksUrl: `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/.well-known/jwks.json` });

  test('RS256 and ES256 tokens verify against the fetched set, fetched once and cached', async () => {
    for (let i = 0; i < 3; i++) assert.equal((await upgradeStatus(`${url}?token=${await sign(rsa.privateKey, 'RS256', `u${i}`, '1h', {}, 'rsa-1')}`)).close, undefined);
    assert.equal((await upgradeStatus(`${url}?token=${await sign(ec.privateKey, 'ES256', 'e', '1h', {}, 'ec-1')}`)).close, undefined);
    assert.equal(fetches, 1);
    assert.equal((await upgradeStatus(`${url}?token=${await sign(attacker.privateKey, 'RS256', 'x', '1h', {}, 'rsa-1')}`)).close?.code, 4504);
    assert.equal((await upgradeStatus(`${url}?token=${await sign(hmac(secret), 'HS256', 'x')}`)).close?.code, 4504);
  });
});

describe('token expiry and the Refresh frame', async () => {
  const { server, url } = await startServer({ jwtSecret: secret });
  const bystander = await startBystander(server, url, 'bystander', { token: () => sign(hmac(secret), 'HS256', 'watcher') });
  const errorOf = async (raw: RawClient, id: number) => (await raw.answer(id)) as ErrorFrame;

  test('an unrefreshed token closes the connection with 4001 TOKEN_EXPIRED at exp', async () => {
    // exp is in whole seconds: +2 keeps at least a second between the upgrade and the expiry, so the
    // token cannot already be expired when the upgrade checks it (also 4001, but at once).
    const raw = await RawClient.connect(`${url}?token=${await sign(hmac(secret), 'HS256', 'short', nowSeconds() + 2)}`);
    const closed = await raw.closedWith(5000);
    assert.deepEqual(closed, { code: CloseCode.TokenExpired, reason: 'token expired' });
    await bystander.check();
  });

  test('a Refresh with a later token for the same sub keeps the connection open past the old exp', async () => {
    const oldExp = nowSeconds() + 2; // +2: never already expired at the upgrade (whole seconds)
    const raw = await RawClient.connect(`${url}?token=${await sign(hmac(secret), 'HS256', 'carol', oldExp)}`);
    const newExp = nowSeconds() + 3600;
    raw.send({ kind: Kind.Refresh, id: 1, token: await sign(hmac(secret), 'HS256', 'carol', newExp, { info: { v: 2 } }) });
    const reply = (await raw.answer(1)) as ReplyFrame;
    assert.equal(reply.kind, Kind.Reply);
    assert.equal(reply.data, newExp * 1000);
    const connection = [...server.clients.values()].find((client) => client.userId === 'carol')!;
    assert.equal(connection.expiresAt, newExp * 1000);
    assert.deepEqual(connection.info, { v: 2 });
    await sleep(Math.max(0, oldExp * 1000 - Date.now()) + 300);
    assert.equal(raw.closed, undefined, 'still open after the old expiry');
    raw.send({ kind: Kind.Ping, id: 2 });
    assert.equal((await raw.answer(2)).kind, Kind.Reply);
    raw.close();
  });

  test('a Refresh for another user is FORBIDDEN, an expired one TOKEN_EXPIRED, a forged one UNAUTHORIZED; none extends', async () => {
    const exp = nowSeconds() + 2;
    const raw = await RawClient.connect(`${url}?token=${await sign(hmac(secret), 'HS256', 'dave', exp)}`);
    raw.send({ kind: Kind.Refresh, id: 1, token: await sign(hmac(secret), 'HS256', 'mallory', '1h') });
    raw.send({ kind: Kind.Refresh, id: 2, token: await sign(hmac(secret), 'HS256', 'dave', nowSeconds() - 30) });
    raw.send({ kind: Kind.Refresh, id: 3, token: await sign(hmac('forged-secret-0123456789abcdef'), 'HS256', 'dave', '1h') });
    raw.send({ kind: Kind.Refresh, id: 4, token: new UnsecuredJWT({ sub: 'dave' }).encode() });
    assert.equal((await errorOf(raw, 1)).code, ErrorCode.Forbidden);
    assert.equal((await errorOf(raw, 2)).code, ErrorCode.TokenExpired);
    assert.equal((await errorOf(raw, 3)).code, ErrorCode.Unauthorized);
    assert.equal((await errorOf(raw, 4)).code, ErrorCode.Unauthorized);
    assert.equal((await raw.closedWith(4000)).code, CloseCode.TokenExpired);
    await bystander.check();
  });
});

describe('Refresh without token auth, and the authenticate timeout', async () => {
  let started = 0;
  // Room for the bystander and the five hanging upgrades only: a later connect proves their slots were freed.
  const { server, url } = await startServer({
    maxConnectionsPerIp: 6,
    authTimeoutMs: 300,
    authenticate: async (request) => {
      started++;
      // A backend that never answers: the slow-loris case for async authentication.
      if (request.query.get('hang') === '1') await new Promise(() => {});
      return { userId: 'hooked', info: { from: 'hook' } };
    },
  });
  const bystander = await startBystander(server, url);

  test('Refresh on a server with no token key is UNSUPPORTED', async () => {
    const raw = await RawClient.connect(url);
    raw.send({ kind: Kind.Refresh, id: 1, token: 'x.y.z' });
    assert.equal(((await raw.answer(1)) as ErrorFrame).code, ErrorCode.Unsupported);
    assert.deepEqual([...server.clients.values()][0]!.info, { from: 'hook' });
    raw.close();
  });

  test('a hanging authenticate hook is refused with close 4004 AUTH_TIMEOUT after authTimeoutMs, and frees its slot', async () => {
    const before = started;
    const outcomes = await Promise.all(Array.from({ length: 5 }, () => upgradeStatus(`${url}?hang=1`)));
    for (const outcome of outcomes) assert.equal(outcome.close?.code, 4004);
    assert.match(outcomes[0]!.close!.reason, /did not finish within/);
    assert.equal(started - before, 5);
    assert.equal((await upgradeStatus(url)).close, undefined);
    assert.equal((await upgradeStatus(url)).close, undefined);
    await bystander.check();
  });
});
