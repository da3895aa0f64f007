import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { connect } from '../../../src/client/index.js';
import { RequestTable } from '../../../src/client/requests.js';
import { ErrorCode, Kind, LimitError, RemoteError } from '../../../src/protocol/index.js';
import { FakeServer, settle as flush } from './fake-transport.js';

const settle = () => {
  const outcome: { data?: unknown; error?: Error } = {};
  return { outcome, settler: { resolve: (data: unknown) => (outcome.data = data), reject: (error: Error) => (outcome.error = error) } };
};

test('ids are unique, non-zero, and each answer reaches its own caller once', () => {
  const table = new RequestTable();
  const a = settle();
  const b = settle();
  const idA = table.add(a.settler, 1000);
  const idB = table.add(b.settler, 1000);
  assert.ok(idA > 0 && idB > 0 && idA !== idB);
  table.resolve(idB, 'for b');
  table.reject(idA, new Error('for a'));
  table.resolve(idA, 'late duplicate');
  assert.equal(b.outcome.data, 'for b');
  assert.equal(a.outcome.error?.message, 'for a');
  assert.equal(a.outcome.data, undefined);
});

test('an unanswered request times out with TIMEOUT and is forgotten', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const table = new RequestTable();
  const { outcome, settler } = settle();
  const id = table.add(settler, 10);
  t.mock.timers.tick(9);
  assert.equal({ ...outcome }.error, undefined, 'not before its timeout');
  t.mock.timers.tick(1);
  assert.ok(outcome.error instanceof RemoteError && outcome.error.code === ErrorCode.Timeout);
  table.resolve(id, 'too late');
  assert.equal(outcome.data, undefined);
});

test('rejectAll fails every waiting request', () => {
  const table = new RequestTable();
  const calls = [settle(), settle(), settle()];
  for (const call of calls) table.add(call.settler, 1000);
  table.rejectAll(new RemoteError(ErrorCode.Disconnected, 'gone'));
  for (const call of calls) assert.equal((call.outcome.error as RemoteError).code, ErrorCode.Disconnected);
});

describe('requests through the client (fake transport)', () => {
  test('an unanswered request rejects with TIMEOUT after requestTimeoutMs; a late answer is ignored', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout', 'Date'] });
    const server = new FakeServer();
    const client = connect('ws://fake.test/', { WebSocket: server.WebSocket, requestTimeoutMs: 5000 });
    const socket = (await server.connection(1)).welcome();
    let error: unknown;
    client.rpc('slow').catch((err: unknown) => (error = err));
    await flush();
    t.mock.timers.tick(4999);
    await flush();
    assert.equal(error, undefined, 'still waiting just before the timeout');
    t.mock.timers.tick(1);
    await flush();
    const late = error as unknown; // assigned by the callback; TypeScript still narrows to undefined
    assert.ok(late instanceof RemoteError && late.code === 106 && /no answer within/.test(late.message));
    socket.push({ kind: Kind.Reply, id: socket.framesOf(Kind.Rpc)[0]!.id, data: 'too late' });
    assert.equal(client.state, 'open');
    client.close();
  });

  test('the timeout counts from the call, including the wait for the connection', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout', 'Date'] });
    const server = new FakeServer();
    const client = connect('ws://fake.test/', { WebSocket: server.WebSocket });
    const outcome = client.ping({ timeoutMs: 300 }).catch((err: unknown) => err);
    await server.connection(1);
    t.mock.timers.tick(300);
    const error = await outcome;
    assert.ok(error instanceof RemoteError && error.code === 106 && /not connected within 300 ms/.test(error.message));
    client.close();
  });

  test('more calls than maxQueued waiting for the connection are refused with LIMIT_EXCEEDED', async () => {
    const server = new FakeServer();
    const client = connect('ws://fake.test/', { WebSocket: server.WebSocket, maxQueued: 2 });
    const waiting = [client.ready(), client.ready()];
    await assert.rejects(client.ready(), (err: unknown) => err instanceof LimitError && err.code === 107);
    (await server.connection(1)).welcome();
    await Promise.all(waiting);
    client.close();
  });

  test('an oversized message is refused locally with PAYLOAD_TOO_LARGE and nothing is sent', async () => {
    const server = new FakeServer();
    const client = connect('ws://fake.test/', { WebSocket: server.WebSocket });
    const socket = (await server.connection(1)).welcome('c-1', { maxPayloadBytes: 100, maxSubscriptions: 10, maxTopicBytes: 64 });
    await assert.rejects(client.rpc('m', 'x'.repeat(200)), (err: unknown) => err instanceof LimitError && err.code === 109);
    assert.equal(socket.sent.length, 0);
    client.close();
  });
});
