import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { connect, type GapEvent } from '../../../src/client/index.js';
import { Kind } from '../../../src/protocol/frames.js';
import { FakeServer, settle, subscribeOn } from './fake-transport.js';

/**
 * A client on a fake server, with mocked timers. `reconnect(count)` drops the current socket, waits
 * out the client's backoff and welcomes connection number `count`.
 */
function reconnectingClient(t: TestContext, format?: 'json') {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'] });
  const server = format === undefined ? new FakeServer() : new FakeServer(format);
  const client = connect('ws://fake.test/', { WebSocket: server.WebSocket, ...(format === undefined ? {} : { format }) });
  let delayMs = 0;
  client.on('reconnecting', (plan) => (delayMs = plan.delayMs));
  const reconnect = async (count: number, limits?: Parameters<FakeServer['socket']['welcome']>[1]) => {
    server.socket.drop(1006);
    t.mock.timers.tick(delayMs);
    const socket = await server.connection(count);
    socket.welcome(`c-${count}`, limits);
    return socket;
  };
  return { server, client, reconnect };
}

test('after a reconnect every topic is resubscribed with its last position, one frame per topic, in one message', async (t) => {
  const { server, client, reconnect } = reconnectingClient(t);
  const first = (await server.connection(1)).welcome();
  const got: string[] = [];
  await subscribeOn(client, first, 'a', (data) => got.push(`a${String(data)}`), { epoch: 'ea', seq: 10 });
  await subscribeOn(client, first, 'b', (data) => got.push(`b${String(data)}`), { epoch: 'eb', seq: 3 });
  first.push({ kind: Kind.Message, topic: 'a', seq: 11, data: 11 });
  const second = await reconnect(2);
  assert.equal(second.sent.length, 1, 'one WebSocket message');
  const renewal = second.framesOf(Kind.Subscribe);
  assert.deepEqual(
    renewal.map(({ topics, positions }) => ({ topics, positions })),
    [
      { topics: ['a'], positions: { a: { epoch: 'ea', seq: 11 } } },
      { topics: ['b'], positions: { b: { epoch: 'eb', seq: 3 } } },
    ],
  );
  assert.notEqual(renewal[0]!.id, renewal[1]!.id);
  client.close();
});

test('replayed messages reach handlers before subscribed fires with recovered: true; an unrecoverable one reports a gap', async (t) => {
  const { server, client, reconnect } = reconnectingClient(t);
  const log: string[] = [];
  const gaps: GapEvent[] = [];
  client.on('subscribed', ({ topic, recovered, resubscribe }) => log.push(`subscribed ${topic} ${String(recovered)} ${resubscribe}`));
  client.on('gap', (gap) => gaps.push(gap));
  const first = (await server.connection(1)).welcome();
  await subscribeOn(client, first, 'a', (_d, { seq }) => log.push(`a${seq}`), { epoch: 'ea', seq: 5 });
  await subscribeOn(client, first, 'b', (_d, { seq }) => log.push(`b${seq}`), { epoch: 'eb', seq: 7 });
  log.length = 0;
  const second = await reconnect(2);
  const [renewA, renewB] = second.framesOf(Kind.Subscribe);
  second.push(
    { kind: Kind.Message, topic: 'a', seq: 6, data: null },
    { kind: Kind.Message, topic: 'a', seq: 7, data: null },
    { kind: Kind.Reply, id: renewA!.id, data: { a: { epoch: 'ea', seq: 7, recovered: true } } },
    { kind: Kind.Reply, id: renewB!.id, data: { b: { epoch: 'eb2', seq: 2, recovered: false } } },
  );
  assert.deepEqual(log, ['a6', 'a7', 'subscribed a true true', 'subscribed b false true']);
  assert.deepEqual(gaps, [{ topic: 'b', epoch: 'eb2', lastSeq: 7, seq: 2, reason: 'epoch' }]);
  assert.deepEqual(client.position('a'), { epoch: 'ea', seq: 7 });
  client.close();
});

test('the renewal is split into several messages when one would exceed maxPayloadBytes', async (t) => {
  const { server, client, reconnect } = reconnectingClient(t, 'json');
  const first = (await server.connection(1)).welcome();
  const topics = Array.from({ length: 6 }, (_, i) => `topic-${i}-${'x'.repeat(40)}`);
  for (const topic of topics) await subscribeOn(client, first, topic, () => {}, { epoch: 'e', seq: 1 });
  const second = await reconnect(2, { maxPayloadBytes: 200, maxSubscriptions: 100, maxTopicBytes: 256 });
  assert.ok(second.sent.length > 1, `${second.sent.length} messages`);
  for (const message of second.sent) assert.ok(new TextEncoder().encode(message as string).length <= 200);
  assert.deepEqual(second.framesOf(Kind.Subscribe).map((frame) => frame.topics[0]), topics);
  client.close();
});

test('a renewal refused for one topic drops that topic only and reports it', async (t) => {
  const { server, client, reconnect } = reconnectingClient(t);
  const errors: string[] = [];
  client.on('error', (error) => errors.push(error.message));
  const first = (await server.connection(1)).welcome();
  await subscribeOn(client, first, 'kept', () => {}, { epoch: 'e', seq: 1 });
  await subscribeOn(client, first, 'revoked', () => {}, { epoch: 'e', seq: 1 });
  const second = await reconnect(2);
  const [kept, revoked] = second.framesOf(Kind.Subscribe);
  second.push({ kind: Kind.Error, id: revoked!.id, code: 104, message: 'not allowed' }, { kind: Kind.Reply, id: kept!.id, data: { kept: { epoch: 'e', seq: 1, recovered: true } } });
  assert.deepEqual(client.topics, ['kept']);
  assert.deepEqual(errors, ['resubscribe to "revoked" failed: not allowed']);
  client.close();
});

test('a seq jump in live traffic holds the topic, asks for History and releases everything in order', async () => {
  const server = new FakeServer();
  const client = connect('ws://fake.test/', { WebSocket: server.WebSocket });
  const socket = (await server.connection(1)).welcome();
  const seqs: number[] = [];
  await subscribeOn(client, socket, 't', (_d, { seq }) => seqs.push(seq), { epoch: 'e', seq: 1 });
  socket.push({ kind: Kind.Message, topic: 't', seq: 2, data: null }, { kind: Kind.Message, topic: 't', seq: 5, data: null }, { kind: Kind.Message, topic: 't', seq: 6, data: null });
  await settle();
  const [history] = socket.framesOf(Kind.History);
  assert.deepEqual({ topic: history!.topic, epoch: history!.epoch, seq: history!.seq }, { topic: 't', epoch: 'e', seq: 2 });
  assert.deepEqual(seqs, [2]);
  socket.push({ kind: Kind.Message, topic: 't', seq: 3, data: null }, { kind: Kind.Message, topic: 't', seq: 4, data: null }, { kind: Kind.Reply, id: history!.id, data: { epoch: 'e', seq: 6, recovered: true } });
  await settle();
  assert.deepEqual(seqs, [2, 3, 4, 5, 6]);
  client.close();
});

test('subscribe(topic, handler, { latest: true }) sends extras.latest until the topic has a position; without the option, none', async (t) => {
  const { server, client, reconnect } = reconnectingClient(t);
  const first = (await server.connection(1)).welcome();
  const got: unknown[] = [];
  const subscribed = client.subscribe('prices:btc', (data, { seq }) => got.push([seq, data]), { latest: true });
  void client.subscribe('plain', () => undefined).catch(() => undefined);
  await settle();
  const [asked, plain] = first.framesOf(Kind.Subscribe);
  assert.deepEqual({ topics: asked!.topics, latest: asked!.latest, positions: asked!.positions }, { topics: ['prices:btc'], latest: true, positions: undefined });
  assert.equal(plain!.latest, undefined, 'a subscribe without the option does not ask');
  // The latest arrives before the Reply, which answers its seq: the handler gets it, once.
  first.push({ kind: Kind.Message, topic: 'prices:btc', seq: 7, data: 'seven' }, { kind: Kind.Reply, id: asked!.id, data: { 'prices:btc': { epoch: 'e', seq: 7 } } });
  await subscribed;
  assert.deepEqual(got, [[7, 'seven']]);
  // After a reconnect the topic has a position: recovery from it, no latest (it would be a duplicate).
  const second = await reconnect(2);
  const renewal = second.framesOf(Kind.Subscribe).find((frame) => frame.topics.includes('prices:btc'))!;
  assert.deepEqual({ positions: renewal.positions, latest: renewal.latest }, { positions: { 'prices:btc': { epoch: 'e', seq: 7 } }, latest: undefined });
  client.close();
});
