import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SignJWT } from 'jose';
import { ErrorCode, RemoteError } from '../../src/client/index.js';
import { connectClient } from '../helpers/clients.js';
import { sleep, startServer } from '../helpers/server.js';

const secret = 'client-refresh-secret-0123456789';
const sign = (sub: string, lifetimeSeconds: number) =>
  new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(sub).setExpirationTime(Math.floor(Date.now() / 1000) + lifetimeSeconds).sign(new TextEncoder().encode(secret));

describe('client token refresh', async () => {
  const { server, url } = await startServer({ jwtSecret: secret });

  test('with a token function the client refreshes before exp and keeps its connection', async () => {
    let issued = 0;
    const client = connectClient(url, { token: () => (issued++, sign('ann', 2)), refreshMarginMs: 1500 });
    const closes: number[] = [];
    client.on('close', ({ code }) => closes.push(code));
    await client.ready();
    const id = client.connectionId!;
    const firstExpiry = server.clients.get(id)!.expiresAt!;
    await sleep(2600);
    assert.deepEqual(closes, [], 'no close: the token was refreshed in place');
    assert.equal(client.connectionId, id);
    assert.ok(issued >= 2, `${issued} tokens issued`);
    assert.ok(server.clients.get(id)!.expiresAt! > firstExpiry);
  });

  test('refreshToken() sends a Refresh explicitly; a token for another user is refused with FORBIDDEN', async () => {
    const client = connectClient(url, { token: await sign('bea', 3600) });
    await client.ready();
    const token = await sign('bea', 7200);
    const expiresAt = await client.refreshToken(token);
    assert.equal(server.clients.get(client.connectionId!)!.expiresAt, expiresAt);
    await assert.rejects(client.refreshToken(await sign('eve', 7200)), (err: unknown) => err instanceof RemoteError && err.code === ErrorCode.Forbidden);
  });
});
