import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connect, ErrorCode, RemoteError } from '../../../src/client/index.js';
import { FakeServer, settle } from './fake-transport.js';

const disconnected = (err: unknown) => err instanceof RemoteError && err.code === ErrorCode.Disconnected;

test('a dropped connection reconnects with growing, jittered delays; a Welcome starts the backoff over', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'] });
  const server = new FakeServer();
  const client = connect('ws://fake.test/', { WebSocket: server.WebSocket, minReconnectDelayMs: 100, maxReconnectDelayMs: 300 });
  const plans: Array<{ attempt: number; delayMs: number }> = [];
  const closes: Array<{ code: number; willReconnect: boolean }> = [];
  client.on('reconnecting', (plan) => plans.push(plan));
  client.on('close', ({ code, willReconnect }) => closes.push({ code, willReconnect }));
  for (let n = 1; n <= 4; n++) {
    (await server.connection(n)).drop(1006);
    assert.equal(client.state, 'reconnecting');
    t.mock.timers.tick(plans.at(-1)!.delayMs);
  }
  (await server.connection(5)).welcome();
  assert.equal(client.state, 'open');
  server.socket.drop(1001, 'server shutting down');
  assert.deepEqual(plans.map((plan) => plan.attempt), [1, 2, 3, 4, 1]);
  // Upper half of min(300, 100 · 2^(attempt-1)).
  const bounds = [[50, 100], [100, 200], [150, 300], [150, 300], [50, 100]];
  plans.forEach((plan, i) => assert.ok(plan.delayMs >= bounds[i]![0]! && plan.delayMs <= bounds[i]![1]!, `attempt ${i + 1}: ${plan.delayMs} ms`));
  assert.deepEqual(closes, [1006, 1006, 1006, 1006, 1001].map((code) => ({ code, willReconnect: true })));
  client.close();
});

test('no socket is opened before the backoff delay has passed', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'] });
  const server = new FakeServer();
  const client = connect('ws://fake.test/', { WebSocket: server.WebSocket, minReconnectDelayMs: 1000, maxReconnectDelayMs: 1000 });
  let delayMs = 0;
  client.on('reconnecting', (plan) => (delayMs = plan.delayMs));
  (await server.connection(1)).drop(1006);
  t.mock.timers.tick(delayMs - 1);
  await settle();
  assert.equal(server.sockets.length, 1);
  t.mock.timers.tick(1);
  await server.connection(2);
  client.close();
});

for (const code of [1000, 1003, 1009, 4500, 4501, 4999]) {
  test(`close ${code} stops for good: state closed, waiting calls reject with DISCONNECTED`, async () => {
    const server = new FakeServer();
    const client = connect('ws://fake.test/', { WebSocket: server.WebSocket });
    const closes: unknown[] = [];
    client.on('close', (event) => closes.push(event));
    const waiting = client.ready();
    (await server.connection(1)).accept().drop(code, 'bye');
    await assert.rejects(waiting, disconnected);
    assert.equal(client.state, 'closed');
    assert.deepEqual(closes, [{ code, reason: 'bye', willReconnect: false }]);
  });
}

test('reconnect: false stops after a close that would otherwise reconnect', async () => {
  const server = new FakeServer();
  const client = connect('ws://fake.test/', { WebSocket: server.WebSocket, reconnect: false });
  (await server.connection(1)).welcome().drop(1006);
  assert.equal(client.state, 'closed');
  await assert.rejects(client.ready(), disconnected);
});

test('a token function is asked before every connect, and its token is offered as a subprotocol entry', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'] });
  const server = new FakeServer();
  let issued = 0;
  const client = connect('ws://fake.test/', { WebSocket: server.WebSocket, token: () => `token-${++issued}`, format: 'json' });
  let delayMs = 0;
  client.on('reconnecting', (plan) => (delayMs = plan.delayMs));
  const first = await server.connection(1);
  assert.deepEqual(first.protocols, ['switchboard.v1.json', 'switchboard.token.token-1']);
  first.welcome().drop(1006);
  t.mock.timers.tick(delayMs);
  assert.equal((await server.connection(2)).token, 'token-2');
  client.close();
});

test('requests in flight when the socket drops reject with DISCONNECTED; calls waiting for the connection keep waiting', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'] });
  const server = new FakeServer();
  const client = connect('ws://fake.test/', { WebSocket: server.WebSocket });
  let delayMs = 0;
  client.on('reconnecting', (plan) => (delayMs = plan.delayMs));
  (await server.connection(1)).welcome();
  const inFlight = client.ping();
  await settle();
  server.socket.drop(1006);
  await assert.rejects(inFlight, disconnected);
  const later = client.ping();
  t.mock.timers.tick(delayMs);
  const second = (await server.connection(2)).welcome();
  await settle();
  second.push({ kind: 21, id: second.framesOf(5)[0]!.id, data: 77 });
  assert.equal(await later, 77);
  client.close();
});

test('close() stops for good: no reconnect, pending calls reject with DISCONNECTED, the socket is closed with the code', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'] });
  const server = new FakeServer();
  const client = connect('ws://fake.test/', { WebSocket: server.WebSocket });
  const socket = (await server.connection(1)).welcome();
  const pending = client.rpc('slow');
  await settle();
  client.close(1000, 'done');
  await assert.rejects(pending, disconnected);
  assert.deepEqual(socket.closedByClient, { code: 1000, reason: 'done' });
  t.mock.timers.tick(60_000);
  await settle();
  assert.equal(server.sockets.length, 1);
  assert.equal(client.state, 'closed');
});

test('a WebSocket that cannot be created is an error event and a 1011 close, then a retry', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'] });
  const server = new FakeServer();
  let calls = 0;
  const flaky = function (this: unknown, url: string, protocols?: string | string[]) {
    if (++calls === 1) throw new Error('no network stack today');
    return new server.WebSocket(url, protocols);
  } as unknown as typeof server.WebSocket;
  const client = connect('ws://fake.test/', { WebSocket: flaky });
  const errors: string[] = [];
  const closes: unknown[] = [];
  let delayMs = -1;
  client.on('error', (error) => errors.push(error.message));
  client.on('close', (event) => closes.push(event));
  client.on('reconnecting', (plan) => (delayMs = plan.delayMs));
  await settle();
  assert.deepEqual(errors, ['no network stack today']);
  assert.deepEqual(closes, [{ code: 1011, reason: 'could not open a WebSocket', willReconnect: true }]);
  t.mock.timers.tick(delayMs);
  (await server.connection(1)).welcome();
  assert.equal(client.state, 'open');
  client.close();
});
