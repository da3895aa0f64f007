import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { connect, ErrorCode, ProtocolError, RemoteError, type PresenceEvent } from '../../../src/client/index.js';
import { dispatchMessage, type FrameHandlers } from '../../../src/client/dispatch.js';
import { codecFor } from '../../../src/protocol/codec.js';
import { Kind, type Format } from '../../../src/protocol/frames.js';
import { FakeServer, settle, subscribeOn } from './fake-transport.js';

async function openClient(format: Format = 'msgpack') {
  const server = new FakeServer(format);
  const client = connect('ws://fake.test/', { WebSocket: server.WebSocket, format });
  const socket = await server.connection(1);
  socket.welcome('c-1');
  await client.ready();
  return { server, client, socket };
}

describe('each server frame kind reaches the right place', () => {
  test('Welcome (16) opens the client with the connection id and limits', async () => {
    const server = new FakeServer();
    const client = connect('ws://fake.test/', { WebSocket: server.WebSocket });
    const opened: string[] = [];
    client.on('open', (welcome) => opened.push(welcome.connectionId));
    assert.equal(client.state, 'connecting');
    (await server.connection(1)).welcome('c-42', { maxPayloadBytes: 4096, maxSubscriptions: 5, maxTopicBytes: 32 });
    assert.equal(client.state, 'open');
    assert.equal(client.connectionId, 'c-42');
    assert.deepEqual(client.limits, { maxPayloadBytes: 4096, maxSubscriptions: 5, maxTopicBytes: 32 });
    assert.deepEqual(opened, ['c-42']);
    client.close();
  });

  test('Message (20) calls the topic handlers with data and { topic, seq }', async () => {
    const { client, socket } = await openClient();
    const got: unknown[] = [];
    await subscribeOn(client, socket, 't', (data, context) => got.push([data, context]), { epoch: 'e', seq: 0 });
    socket.push({ kind: Kind.Message, topic: 't', seq: 1, data: { p: 1 } });
    assert.deepEqual(got, [[{ p: 1 }, { topic: 't', seq: 1 }]]);
    client.close();
  });

  test('Reply (21) resolves the request with the same id; Error (22) rejects it with the code', async () => {
    const { client, socket } = await openClient();
    const first = client.rpc('add', { a: 1 });
    const second = client.rpc('nope');
    await settle();
    const [a, b] = socket.framesOf(Kind.Rpc);
    socket.push({ kind: Kind.Error, id: b!.id, code: 105, message: 'no rpc method "nope"' });
    socket.push({ kind: Kind.Reply, id: a!.id, data: 2 });
    assert.equal(await first, 2);
    await assert.rejects(second, (err: unknown) => err instanceof RemoteError && err.code === 105 && err.message === 'no rpc method "nope"');
    client.close();
  });

  test('Error (22) with id 0 is a connection-level notice: an error event', async () => {
    const { client, socket } = await openClient();
    const errors: Error[] = [];
    client.on('error', (error) => errors.push(error));
    socket.push({ kind: Kind.Error, id: 0, code: 104, message: 'publishing to this topic is not allowed' });
    assert.ok(errors[0] instanceof RemoteError);
    assert.equal((errors[0] as RemoteError).code, 104);
    client.close();
  });

  test('Join (23) and Leave (24) become join and leave events; info only when present', async () => {
    const { client, socket } = await openClient();
    const seen: Array<[string, PresenceEvent]> = [];
    client.on('join', (event) => seen.push(['join', event]));
    client.on('leave', (event) => seen.push(['leave', event]));
    socket.push({ kind: Kind.Join, topic: 'room', connectionId: 'c-9', userId: 'ann', info: { name: 'Ann' } });
    socket.push({ kind: Kind.Leave, topic: 'room', connectionId: 'c-9', userId: null });
    assert.deepEqual(seen, [
      ['join', { topic: 'room', connectionId: 'c-9', userId: 'ann', info: { name: 'Ann' } }],
      ['leave', { topic: 'room', connectionId: 'c-9', userId: null }],
    ]);
    client.close();
  });

  test('Push (25) becomes a message event', async () => {
    const { client, socket } = await openClient();
    const got: unknown[] = [];
    client.on('message', (data) => got.push(data));
    socket.push({ kind: Kind.Push, data: 'just for you' });
    assert.deepEqual(got, ['just for you']);
    client.close();
  });

  test('Gap (26) above the last delivered seq asks the server for History from that position', async () => {
    const { client, socket } = await openClient();
    await subscribeOn(client, socket, 't', () => {}, { epoch: 'e1', seq: 4 });
    socket.push({ kind: Kind.Gap, topic: 't', seq: 9 });
    await settle();
    const [history] = socket.framesOf(Kind.History);
    assert.deepEqual({ ...history, id: 0 }, { kind: Kind.History, id: 0, topic: 't', epoch: 'e1', seq: 4 });
    client.close();
  });

  test('an undecodable message and a frame of unknown shape are error events, not crashes', async () => {
    const { client, socket } = await openClient();
    const errors: Error[] = [];
    client.on('error', (error) => errors.push(error));
    socket.pushRaw(new Uint8Array([0xc1]));
    assert.ok(errors[0] instanceof ProtocolError);
    assert.equal((errors[0] as ProtocolError).code, ErrorCode.BadFrame);
    assert.equal(client.state, 'open');
    client.close();
  });
});

describe('several frames in one WebSocket message', () => {
  for (const format of ['msgpack', 'json'] as const) {
    test(`every frame of a ${format} batch is dispatched, in order`, async () => {
      const server = new FakeServer(format);
      const client = connect('ws://fake.test/', { WebSocket: server.WebSocket, format });
      const order: string[] = [];
      client.on('open', () => order.push('open'));
      client.on('message', (data) => order.push(`push:${String(data)}`));
      client.on('join', ({ connectionId }) => order.push(`join:${connectionId}`));
      const pong = client.ping();
      const socket = (await server.connection(1)).accept();
      // The welcome, then (in the same message) the answer to the ping sent right after it, a push and a join.
      socket.push({ kind: Kind.Welcome, connectionId: 'c-1', serverTime: 0, version: 1, limits: { maxPayloadBytes: 65_536, maxSubscriptions: 10, maxTopicBytes: 64 } });
      await settle();
      const id = socket.framesOf(Kind.Ping)[0]!.id;
      socket.push({ kind: Kind.Push, data: 'a' }, { kind: Kind.Reply, id, data: 1234 }, { kind: Kind.Join, topic: 'r', connectionId: 'c-2', userId: null }, { kind: Kind.Push, data: 'b' });
      assert.equal(await pong, 1234);
      assert.deepEqual(order, ['open', 'push:a', 'join:c-2', 'push:b']);
      client.close();
    });
  }

  test('a welcome and messages for a topic in one message: the resubscribe answer in the same batch releases them', async () => {
    const server = new FakeServer();
    const client = connect('ws://fake.test/', { WebSocket: server.WebSocket });
    const got: number[] = [];
    const subscribed = client.subscribe('t', (_data, { seq }) => got.push(seq));
    const socket = (await server.connection(1)).accept();
    // The client numbers its first request 1: the resubscribe after this welcome.
    socket.push(
      { kind: Kind.Welcome, connectionId: 'c-1', serverTime: 0, version: 1, limits: { maxPayloadBytes: 65_536, maxSubscriptions: 10, maxTopicBytes: 64 } },
      { kind: Kind.Message, topic: 't', seq: 8, data: 'early' },
      { kind: Kind.Reply, id: 1, data: { t: { epoch: 'e', seq: 7 } } },
      { kind: Kind.Message, topic: 't', seq: 9, data: 'live' },
    );
    await subscribed;
    assert.deepEqual(socket.framesOf(Kind.Subscribe).map((frame) => frame.id), [1]);
    assert.deepEqual(got, [8, 9]);
    client.close();
  });

  test('one bad frame in a batch is reported and the frames around it still arrive', async () => {
    const { client, socket } = await openClient();
    const got: unknown[] = [];
    const errors: Error[] = [];
    client.on('message', (data) => got.push(data));
    client.on('error', (error) => errors.push(error));
    const codec = socket['codec'] as FakeServer['codec'];
    const good = (data: string) => codec.encode({ kind: Kind.Push, data });
    const bad = new Uint8Array([0x92, 20, 0x01]); // [20, 1]: a Message frame that is too short
    socket.pushRaw(concat([good('before') as Uint8Array, bad, good('after') as Uint8Array]));
    assert.deepEqual(got, ['before', 'after']);
    assert.equal(errors.length, 1);
    assert.ok(errors[0] instanceof ProtocolError);
    client.close();
  });

  test('frames after the one that made the application close the client are not dispatched', async () => {
    const { client, socket } = await openClient();
    const got: unknown[] = [];
    await subscribeOn(client, socket, 't', (data) => got.push(data), { epoch: 'e', seq: 0 });
    client.on('message', () => client.close());
    socket.push({ kind: Kind.Message, topic: 't', seq: 1, data: 'kept' }, { kind: Kind.Push, data: 'bye' }, { kind: Kind.Message, topic: 't', seq: 2, data: 'after close' });
    assert.deepEqual(got, ['kept']);
    assert.equal(client.state, 'closed');
  });
});

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, part) => n + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

describe('dispatchMessage with a plain handler table', () => {
  test('routes each frame of one message to its kind, and stops when the socket is no longer current', () => {
    const seen: string[] = [];
    const handlers: FrameHandlers = {
      welcome: () => seen.push('welcome'),
      message: ({ seq }) => seen.push(`message ${seq}`),
      gap: () => seen.push('gap'),
      reply: ({ id }) => seen.push(`reply ${id}`),
      error: ({ code }) => seen.push(`error ${code}`),
      presence: ({ kind }) => seen.push(kind === Kind.Join ? 'join' : 'leave'),
      push: () => seen.push('push'),
      problem: (error) => seen.push(`problem ${error.name}`),
    };
    const codec = codecFor('json');
    const message = codec.encodeBatch([
      { kind: Kind.Reply, id: 3, data: null },
      { kind: Kind.Error, id: 4, code: 105, message: 'x' },
      { kind: Kind.Gap, topic: 't', seq: 9 },
      { kind: Kind.Message, topic: 't', seq: 10, data: 1 },
    ]);
    dispatchMessage(`${message as string}\n[99,"from the future"]`, codec, handlers);
    assert.deepEqual(seen, ['reply 3', 'error 105', 'gap', 'message 10', 'problem ProtocolError']);
    seen.length = 0;
    let current = true;
    dispatchMessage(message, codec, { ...handlers, reply: () => ((current = false), seen.push('reply')) }, () => current);
    assert.deepEqual(seen, ['reply']);
  });
});
