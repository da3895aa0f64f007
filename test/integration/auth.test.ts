import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SignJWT } from 'jose';
import WebSocket from 'ws';
import { AuthError, ErrorCode } from '../../src/protocol/index.js';
import { RawClient } from '../helpers/raw-client.js';
import { sleep, startServer, waitFor } from '../helpers/server.js';
import { connectClient } from '../helpers/clients.js';
import { upgradeStatus } from '../helpers/upgrade.js';

const secret = 'integration-secret-0123456789';
const sign = (sub: string, exp: string | number = '1h', key = secret) =>
  new SignJWT({ role: 'trader' }).setProtectedHeader({ alg: 'HS256' }).setSubject(sub).setExpirationTime(exp).sign(new TextEncoder().encode(key));

describe('JWT connection tokens', async () => {
  const opened: Array<{ userId: string | null; role: unknown }> = [];
  const { url, server } = await startServer({ jwtSecret: secret, onOpen: (client) => void opened.push({ userId: client.userId, role: client.claims.role }) });

  test('accepted from ?token=, the subprotocol list and the Authorization header', async () => {
    const token = await sign('alice');
    assert.equal((await upgradeStatus(`${url}?token=${token}`)).status, 101);
    assert.equal((await upgradeStatus(url, { protocols: ['switchboard.v1.json', `switchboard.token.${token}`] })).status, 101);
    assert.equal((await upgradeStatus(url, { headers: { authorization: `Bearer ${token}` } })).status, 101);
    await waitFor(() => opened.length === 3, 2000, 'three opens');
    assert.deepEqual(opened[0], { userId: 'alice', role: 'trader' });
  });

  test('the SDK passes its token (string or refresh function) and the server knows the user', async () => {
    const client = connectClient(url, { token: () => sign('bob') });
    await client.ready();
    assert.equal(server.clients.get(client.connectionId!)?.userId, 'bob');
  });

  test('missing, wrongly signed and expired tokens are closed at once with 4504 / 4001 and a reason a browser can read', async () => {
    const before = server.stats().connectionsOpened;
    const open = server.stats().connections;
    const missing = await upgradeStatus(url);
    const wrong = await upgradeStatus(`${url}?token=${await sign('eve', '1h', 'another-secret-0123456789')}`);
    const expired = await upgradeStatus(`${url}?token=${await sign('carol', Math.floor(Date.now() / 1000) - 10)}`);
    const garbage = await upgradeStatus(`${url}?token=abc`);
    assert.deepEqual(missing.close, { code: 4504, reason: 'token required' });
    assert.deepEqual(wrong.close, { code: 4504, reason: 'invalid token' });
    assert.deepEqual(garbage.close, { code: 4504, reason: 'invalid token' });
    assert.deepEqual(expired.close, { code: 4001, reason: 'token expired' });
    assert.equal(server.stats().connectionsOpened, before, 'refused connections are never opened for the application');
    assert.equal(server.stats().connections, open);
  });
});

describe('authenticate hook', async () => {
  let release: (() => void) | undefined;
  const { url, server } = await startServer({
    authenticate: async (request) => {
      if (request.query.get('slow') === '1') await new Promise<void>((resolve) => (release = resolve));
      const session = request.headers.cookie?.match(/session=(\w+)/)?.[1];
      if (session === 'banned') throw new AuthError(ErrorCode.Forbidden, 'account suspended');
      if (session === undefined) return null;
      return { userId: `user-${session}`, claims: { session } };
    },
  });

  test('accepts with the identity it returns; refuses with close 4504 (null) or 4503 (Forbidden, its message)', async () => {
    const raw = await RawClient.connect(url, { headers: { cookie: 'session=abc' } });
    const welcome = [...server.clients.values()].find((client) => client.userId === 'user-abc');
    assert.ok(welcome);
    raw.close();
    assert.deepEqual((await upgradeStatus(url)).close, { code: 4504, reason: 'authentication refused' });
    const banned = await upgradeStatus(url, { headers: { cookie: 'session=banned' } });
    assert.deepEqual(banned.close, { code: 4503, reason: 'account suspended' });
  });

  test('a client that disconnects during a slow authenticate does not crash the server', async () => {
    const ws = new WebSocket(`${url}?slow=1`, { headers: { cookie: 'session=slow' } });
    ws.on('error', () => {});
    await waitFor(() => release !== undefined, 2000, 'authenticate to start');
    ws.terminate();
    await sleep(50);
    release!();
    await sleep(50);
    // Still serving, and nothing was opened for the aborted upgrade.
    assert.equal([...server.clients.values()].some((client) => client.userId === 'user-slow'), false);
    const raw = await RawClient.connect(url, { headers: { cookie: 'session=after' } });
    raw.close();
  });
});

describe('origin allowlist', async () => {
  const { url } = await startServer({ allowedOrigins: ['https://app.example'] });

  test('a listed origin connects, another is closed with 4505, a non-browser client without Origin connects', async () => {
    assert.deepEqual(await upgradeStatus(url), { status: 101, headers: {}, body: '', json: undefined });
    assert.equal((await upgradeStatus(url, { headers: { origin: 'https://app.example' } })).close, undefined);
    const evil = await upgradeStatus(url, { headers: { origin: 'https://evil.example' } });
    assert.deepEqual(evil.close, { code: 4505, reason: 'origin not allowed' });
  });
});

describe('subprotocol mistakes', async () => {
  const { url } = await startServer();

  test('a misspelled subprotocol completes the handshake and closes with 4506 naming the right ones', async () => {
    const outcome = await upgradeStatus(url, { protocols: ['switchboard.v1.jsn'] });
    assert.equal(outcome.close?.code, 4506);
    assert.equal(outcome.close?.reason, 'unknown subprotocol "switchboard.v1.jsn": use switchboard.v1.msgpack or switchboard.v1.json');
  });

  test('text in msgpack mode (a plain WebSocket without subprotocol) closes with 1003 naming switchboard.v1.json', async () => {
    const raw = await RawClient.connect(url);
    raw.sendRaw('[5,1]');
    const closed = await raw.closedWith();
    assert.equal(closed.code, 1003);
    assert.match(closed.reason, /switchboard\.v1\.json/);
  });
});
