import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AuthRefusedError, connect, RemoteError, type ClientOptions } from '../../../src/client/index.js';
import { authRetry, isAuthRefusal } from '../../../src/client/auth-refusal.js';
import { Kind } from '../../../src/protocol/frames.js';
import { FakeServer, settle } from './fake-transport.js';

/** A client on a fake server with a recorder of its close, auth_error and reconnecting events. */
async function refusedClient(options: ClientOptions) {
  const server = new FakeServer();
  const client = connect('ws://fake.test/', { WebSocket: server.WebSocket, ...options });
  const events: string[] = [];
  const refusals: AuthRefusedError[] = [];
  client.on('close', ({ code, willReconnect }) => events.push(`close ${code} ${willReconnect ? 'retry' : 'stop'}`));
  client.on('auth_error', (error) => {
    events.push(`auth_error ${error.code}`);
    refusals.push(error);
  });
  client.on('reconnecting', ({ attempt }) => events.push(`reconnecting ${attempt}`));
  const first = await server.connection(1);
  return { server, client, events, refusals, first };
}

const refusedWith = (code: number, reason: string) => (err: unknown) => err instanceof AuthRefusedError && err instanceof RemoteError && err.code === code && err.reason === reason;

describe('retry rule table', () => {
  test('the five authentication close codes, and only those, are refusals', () => {
    for (const code of [4001, 4004, 4503, 4504, 4505]) assert.equal(isAuthRefusal(code), true, String(code));
    for (const code of [1000, 1006, 4000, 4002, 4003, 4500, 4501]) assert.equal(isAuthRefusal(code), false, String(code));
  });

  test('by code and token source', () => {
    const table = Object.fromEntries(
      [4001, 4004, 4503, 4504, 4505].map((code) => [code, (['none', 'fixed', 'function'] as const).map((source) => authRetry(code, source).action)]),
    );
    assert.deepEqual(table, {
      4001: ['stop', 'stop', 'retry'],
      4004: ['retry', 'retry', 'retry'],
      4503: ['stop', 'stop', 'stop'],
      4504: ['stop', 'stop', 'retry-if-new-token'],
      4505: ['stop', 'stop', 'stop'],
    });
  });
});

describe('a fixed token string that cannot work stops the client', () => {
  for (const [code, reason] of [
    [4001, 'token expired'],
    [4504, 'invalid token'],
  ] as const) {
    test(`${code}: auth_error says why, no reconnect, waiting calls reject at once with the code and reason`, async (t) => {
      t.mock.timers.enable({ apis: ['setTimeout', 'Date'] });
      const { server, client, events, refusals, first } = await refusedClient({ token: 'fixed.jwt.value' });
      const subscribed = client.subscribe('t', () => {});
      const called = client.rpc('m');
      first.accept().drop(code, reason);
      // No timer has run: these reject because of the close, not after requestTimeoutMs.
      await assert.rejects(subscribed, refusedWith(code, reason));
      await assert.rejects(called, refusedWith(code, reason));
      await assert.rejects(client.ready(), refusedWith(code, reason));
      assert.deepEqual(events, [`close ${code} stop`, `auth_error ${code}`]);
      assert.equal(refusals[0]!.willReconnect, false);
      assert.match(refusals[0]!.message, /fixed string/);
      assert.equal(client.state, 'closed');
      t.mock.timers.tick(60_000);
      await settle();
      assert.equal(server.sockets.length, 1, 'never reconnected');
    });
  }

  test('a refusal after the connection was open (token expired later) stops it too', async () => {
    const { client, events, first } = await refusedClient({ token: 'fixed.jwt.value' });
    first.welcome();
    assert.equal(client.state, 'open');
    first.drop(4001, 'token expired');
    assert.deepEqual(events, ['close 4001 stop', 'auth_error 4001']);
    assert.equal(client.state, 'closed');
  });
});

describe('with a token function', () => {
  test('4001: the function is asked again and the client reconnects with its new token', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout', 'Date'] });
    let issued = 0;
    const { server, client, events, refusals, first } = await refusedClient({ token: () => `token-${++issued}` });
    const subscribed = client.subscribe('t', () => {});
    let delayMs = 0;
    client.on('reconnecting', (plan) => (delayMs = plan.delayMs));
    first.accept().drop(4001, 'token expired');
    assert.deepEqual(events, ['close 4001 retry', 'auth_error 4001', 'reconnecting 1']);
    assert.equal(refusals[0]!.willReconnect, true);
    t.mock.timers.tick(delayMs);
    const second = await server.connection(2);
    assert.equal(second.token, 'token-2');
    second.welcome();
    await settle();
    second.push({ kind: Kind.Reply, id: second.framesOf(Kind.Subscribe)[0]!.id, data: { t: { epoch: 'e', seq: 0 } } });
    await subscribed;
    client.close();
  });

  test('4504 and the function returns a different token: reconnects with exactly that token', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout', 'Date'] });
    const tokens = ['refused', 'better', 'unused'];
    let asked = 0;
    const { server, client, events, first } = await refusedClient({ token: () => tokens[asked++]! });
    let delayMs = 0;
    client.on('reconnecting', (plan) => (delayMs = plan.delayMs));
    first.accept().drop(4504, 'invalid token');
    await settle();
    assert.deepEqual(events, ['close 4504 retry', 'auth_error 4504', 'reconnecting 1']);
    t.mock.timers.tick(delayMs);
    assert.equal((await server.connection(2)).token, 'better');
    assert.equal(asked, 2, 'the token asked for the decision is the one used, not a third');
    client.close();
  });

  test('4504 and the function returns the refused token again: stops, waiting calls reject with 4504', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout', 'Date'] });
    const { server, client, events, refusals, first } = await refusedClient({ token: async () => 'same-token' });
    const waiting = client.ping().catch((err: unknown) => err);
    first.accept().drop(4504, 'invalid token');
    await settle();
    assert.deepEqual(events, ['close 4504 stop', 'auth_error 4504']);
    assert.ok(refusedWith(4504, 'invalid token')(await waiting));
    assert.match(refusals[0]!.message, /returned the refused token again/);
    assert.equal(client.state, 'closed');
    t.mock.timers.tick(60_000);
    await settle();
    assert.equal(server.sockets.length, 1);
  });

  test('4504 and the function throws: an error event, then a retry with backoff', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout', 'Date'] });
    let asked = 0;
    const { client, events, first } = await refusedClient({
      token: () => {
        if (++asked === 2) throw new Error('auth service down');
        return `token-${asked}`;
      },
    });
    const errors: string[] = [];
    client.on('error', (error) => errors.push(error.message));
    first.accept().drop(4504, 'invalid token');
    await settle();
    assert.deepEqual(errors, ['auth service down']);
    assert.deepEqual(events, ['close 4504 retry', 'auth_error 4504', 'reconnecting 1']);
    client.close();
  });

  for (const [code, reason] of [
    [4505, 'origin not allowed'],
    [4503, 'account suspended'],
  ] as const) {
    test(`${code} stops even though a new token could be had; the function is not asked again`, async () => {
      let asked = 0;
      const { client, events, first } = await refusedClient({ token: () => `token-${++asked}` });
      const waiting = client.ready();
      first.accept().drop(code, reason);
      await assert.rejects(waiting, refusedWith(code, reason));
      assert.deepEqual(events, [`close ${code} stop`, `auth_error ${code}`]);
      assert.equal(asked, 1);
    });
  }
});

test('4004 AUTH_TIMEOUT retries with backoff, even with a fixed token; waiting calls keep waiting', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'] });
  const { server, client, events, refusals, first } = await refusedClient({ token: 'fixed.jwt.value' });
  let delayMs = 0;
  client.on('reconnecting', (plan) => (delayMs = plan.delayMs));
  const waiting = client.ready();
  first.accept().drop(4004, 'authentication timed out');
  assert.deepEqual(events, ['close 4004 retry', 'auth_error 4004', 'reconnecting 1']);
  assert.equal(refusals[0]!.willReconnect, true);
  t.mock.timers.tick(delayMs);
  (await server.connection(2)).welcome();
  await waiting;
  client.close();
});

test('reconnect: false stops after any refusal and says so', async () => {
  const { client, refusals, first } = await refusedClient({ token: () => 'x', reconnect: false });
  first.accept().drop(4004, 'authentication timed out');
  assert.equal(client.state, 'closed');
  assert.equal(refusals[0]!.willReconnect, false);
  assert.match(refusals[0]!.message, /reconnect is off/);
});

test('AuthRefusedError names the close code', () => {
  const error = new AuthRefusedError(4504, 'invalid token', false, 'not retrying');
  assert.equal(error.codeName, 'UNAUTHORIZED');
  assert.equal(error.name, 'AuthRefusedError');
  assert.equal(error.message, 'authentication refused (4504 UNAUTHORIZED: invalid token); not retrying');
});
