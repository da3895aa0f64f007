/**
 * The SDK against a real server that refuses it: every refusal reaches the application as a typed
 * `auth_error` with the close code and reason, pending calls reject at once instead of timing out,
 * and the SDK stops retrying a token that cannot work but re-asks a token function when one may.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SignJWT } from 'jose';
import WebSocket from 'ws';
import { AuthRefusedError, type WebSocketConstructor } from '../../src/client/index.js';
import { connectClient } from '../helpers/clients.js';
import { startServer, waitFor } from '../helpers/server.js';

const secret = 'client-auth-secret-0123456789';
const sign = (sub: string, exp: string | number = '1h', key = secret) =>
  new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(sub).setExpirationTime(exp).sign(new TextEncoder().encode(key));

describe('SDK and refused authentication', async () => {
  const { url, server } = await startServer({ jwtSecret: secret });

  test('a static invalid token: auth_error 4504 "invalid token", subscribe rejects at once, no retry', async () => {
    const client = connectClient(url, { token: await sign('eve', '1h', 'another-secret-0123456789'), minReconnectDelayMs: 10 });
    const refusals: AuthRefusedError[] = [];
    client.on('auth_error', (err) => refusals.push(err));
    const started = Date.now();
    await assert.rejects(client.subscribe('t', () => {}), (err: unknown) => err instanceof AuthRefusedError && err.code === 4504 && err.reason === 'invalid token');
    assert.ok(Date.now() - started < 5000, 'rejected on the refusal, not after a connect timeout');
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(refusals.length, 1, 'no reconnect loop');
    assert.equal(refusals[0]!.willReconnect, false);
  });

  test('after a final refusal, a new subscribe() rejects with the refusal at once, as rpc() does (not a TIMEOUT later)', async () => {
    const client = connectClient(url, { token: await sign('eve', '1h', 'another-secret-0123456789'), requestTimeoutMs: 300 });
    await assert.rejects(client.ready(), (err: unknown) => err instanceof AuthRefusedError && err.code === 4504);
    const refused = (err: unknown) => err instanceof AuthRefusedError && err.code === 4504 && err.reason === 'invalid token';
    await assert.rejects(client.rpc('anything'), refused);
    await assert.rejects(client.subscribe('t', () => {}), refused);
    assert.deepEqual(client.topics, [], 'the refused subscribe left no handler behind');
  });

  test('an expired static token: 4001, stops', async () => {
    const client = connectClient(url, { token: await sign('old', Math.floor(Date.now() / 1000) - 5) });
    await assert.rejects(client.ready(), (err: unknown) => err instanceof AuthRefusedError && err.code === 4001 && err.reason === 'token expired');
  });

  test('a token function is asked again after 4001, and the connection then succeeds', async () => {
    let calls = 0;
    const client = connectClient(url, {
      minReconnectDelayMs: 10,
      token: async () => (++calls === 1 ? sign('ann', Math.floor(Date.now() / 1000) - 5) : sign('ann')),
    });
    const refusals: number[] = [];
    client.on('auth_error', (err) => refusals.push(err.code));
    await client.ready();
    assert.deepEqual(refusals, [4001]);
    assert.equal(calls, 2);
    await waitFor(() => [...server.clients.values()].some((c) => c.userId === 'ann'), 2000, 'ann connected');
  });
});

describe('SDK and a foreign origin', async () => {
  const { url } = await startServer({ allowedOrigins: ['https://app.example'] });

  test('4505 stops the client with the reason', async () => {
    // A page on another site: the browser would send its Origin; ws sends what we give it.
    class FromEvilPage extends WebSocket {
      constructor(address: string, protocols?: string | string[]) {
        super(address, protocols, { headers: { origin: 'https://evil.example' } });
      }
    }
    const client = connectClient(url, { WebSocket: FromEvilPage as unknown as WebSocketConstructor });
    const outcome = await client.ready().then(() => 'connected', (err: unknown) => err);
    if (outcome === 'connected') return assert.fail('connected despite the origin');
    assert.ok(outcome instanceof AuthRefusedError);
    assert.deepEqual([outcome.code, outcome.reason], [4505, 'origin not allowed']);
  });
});
