import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SignJWT } from 'jose';
import WebSocket from 'ws';
import { AuthError, ErrorCode } from '../../src/protocol/index.js';
import { RawClient } from '../helpers/raw-client.js';
import { sleep, startServer, waitFor } from '../helpers/server.js';
import { connectClient } from '../helpers/clients.js';

const secret = 'integration-secret-0123456789';
const sign = (sub: string, exp: string | number = '1h', key = secret) =>
  new SignJWT({ role: 'trader' }).setProtectedHeader({ alg: 'HS256' }).setSubject(sub).setExpirationTime(exp).sign(new TextEncoder().encode(key));

/** Attempts a raw upgrade and reports the HTTP status of a refusal (or 101). */
function upgradeStatus(url: string, options: { protocols?: string[]; headers?: Record<string, string> } = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, options.protocols ?? [], { headers: options.headers });
    ws.on('open', () => {
      ws.close();
      resolve({ status: 101, body: '' });
    });
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    ws.on('error', () => {});
  });
}


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

  test('missing, wrongly signed and expired tokens get 401 with a JSON reason before any socket exists', async () => {
    const before = server.stats().connectionsOpened;
    const missing = await upgradeStatus(url);
    const wrong = await upgradeStatus(`${url}?token=${await sign('eve', '1h', 'another-secret-0123456789')}`);
    const expired = await upgradeStatus(`${url}?token=${await sign('carol', Math.floor(Date.now() / 1000) - 10)}`);
    const garbage = await upgradeStatus(`${url}?token=abc`);
    for (const res of [missing, wrong, expired, garbage]) assert.equal(res.status, 401);
    for (const res of [missing, wrong, garbage]) assert.equal(JSON.parse(res.body).code, 'UNAUTHORIZED');
    assert.equal(JSON.parse(expired.body).code, 'TOKEN_EXPIRED');
    assert.match(JSON.parse(expired.body).error, /expired/);
    assert.equal(server.stats().connectionsOpened, before);
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

  test('accepts with the identity it returns; refuses with 401 (null) or 403 (Forbidden)', async () => {
    const raw = await RawClient.connect(url, { headers: { cookie: 'session=abc' } });
    const welcome = [...server.clients.values()].find((client) => client.userId === 'user-abc');
    assert.ok(welcome);
    raw.close();
    assert.equal((await upgradeStatus(url)).status, 401);
    const banned = await upgradeStatus(url, { headers: { cookie: 'session=banned' } });
    assert.equal(banned.status, 403);
    assert.deepEqual(JSON.parse(banned.body), { error: 'account suspended', code: 'FORBIDDEN' });
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

  test('a listed origin connects, another gets 403, a non-browser client without Origin connects', async () => {
    assert.equal((await upgradeStatus(url)).status, 101);
    assert.equal((await upgradeStatus(url, { headers: { origin: 'https://app.example' } })).status, 101);
    const evil = await upgradeStatus(url, { headers: { origin: 'https://evil.example' } });
    assert.equal(evil.status, 403);
    assert.equal(JSON.parse(evil.body).code, 'FORBIDDEN');
  });
});
