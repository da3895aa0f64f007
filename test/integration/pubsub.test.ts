import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ErrorCode, Kind, RemoteError } from '../../src/protocol/index.js';
import { RawClient } from '../helpers/raw-client.js';
import { startServer, waitFor } from '../helpers/server.js';
import { connectClient } from '../helpers/clients.js';


/** Collects messages per client and resolves when `count` arrived. */
function collector() {
  const got: Array<{ data: unknown; topic: string; seq: number }> = [];
  return {
    got,
    handler: (data: unknown, context: { topic: string; seq: number }) => got.push({ data, ...context }),
    until: (count: number) => waitFor(() => got.length >= count, 5000, `${count} messages`),
  };
}

describe('subscribe / publish / receive', async () => {
  const { server, url } = await startServer({ clientPublish: true });

  test('the welcome frame announces id, version and limits', async () => {
    const raw = await RawClient.connect(url);
    const client = connectClient(url);
    await client.ready();
    assert.match(client.connectionId ?? '', /^[0-9a-f]{8}-[0-9a-z]+$/);
    assert.deepEqual(client.limits, { maxPayloadBytes: 65536, maxSubscriptions: 1000, maxTopicBytes: 256 });
    raw.close();
  });

  test('several clients in both formats receive every publication on their topics, in order, with seq', async () => {
    const a = collector();
    const b = collector();
    const c = collector();
    const msgpackA = connectClient(url);
    const jsonB = connectClient(url, { format: 'json' });
    const other = connectClient(url);
    await msgpackA.subscribe('prices:btc', a.handler);
    await jsonB.subscribe('prices:btc', b.handler);
    await other.subscribe('prices:eth', c.handler);

    for (let i = 1; i <= 50; i++) await server.publish('prices:btc', { i, p: 100 + i / 10 });
    await server.publish('prices:eth', 'eth only');
    await a.until(50);
    await b.until(50);
    await c.until(1);

    const expected = Array.from({ length: 50 }, (_, k) => ({ data: { i: k + 1, p: 100 + (k + 1) / 10 }, topic: 'prices:btc', seq: k + 1 }));
    assert.deepEqual(a.got, expected);
    assert.deepEqual(b.got, expected);
    assert.deepEqual(c.got, [{ data: 'eth only', topic: 'prices:eth', seq: 1 }]);
  });

  test('client publish with ack returns the seq and reaches other subscribers and the publisher', async () => {
    const sub = collector();
    const self = collector();
    const subscriber = connectClient(url);
    const publisher = connectClient(url, { format: 'json' });
    await subscriber.subscribe('chat:lobby', sub.handler);
    await publisher.subscribe('chat:lobby', self.handler);
    const seq = await publisher.publish('chat:lobby', { text: 'hello' }, { ack: true });
    assert.equal(seq, 1);
    await publisher.publish('chat:lobby', { text: 'fire and forget' });
    await sub.until(2);
    await self.until(2);
    assert.deepEqual(sub.got.map((m) => m.data), [{ text: 'hello' }, { text: 'fire and forget' }]);
    assert.deepEqual(self.got.map((m) => m.seq), [1, 2]);
  });

  test('unsubscribe stops delivery; other handlers on the same topic keep theirs', async () => {
    const first = collector();
    const second = collector();
    const client = connectClient(url);
    await client.subscribe('news', first.handler);
    await client.subscribe('news', second.handler);
    await server.publish('news', 1);
    await second.until(1);
    await client.unsubscribe('news', first.handler);
    await server.publish('news', 2);
    await second.until(2);
    assert.deepEqual(first.got.map((m) => m.data), [1]);
    await client.unsubscribe('news');
    await waitFor(() => server.stats().connections > 0 && (server.clients.get(client.connectionId!)?.topics.size ?? 1) === 0, 2000, 'server-side unsubscribe');
    await server.publish('news', 3);
    await client.ping();
    assert.deepEqual(second.got.map((m) => m.data), [1, 2]);
  });

  test('ping answers with the server clock', async () => {
    const client = connectClient(url);
    const before = Date.now();
    const serverTime = await client.ping();
    assert.ok(serverTime >= before - 1000 && serverTime <= Date.now() + 1000);
  });

  test('invalid topics and too many subscriptions are refused with their codes; subscribe is all-or-nothing', async () => {
    const raw = await RawClient.connect(url);
    raw.send({ kind: Kind.Subscribe, id: 1, topics: ['ok', 'not ok'] });
    const refused = await raw.answer(1);
    assert.equal(refused.kind, Kind.Error);
    assert.equal((refused as { code: number }).code, ErrorCode.InvalidTopic);
    assert.equal(server.clients.get([...server.clients.keys()].at(-1)!)?.topics.size, 0);

    const { url: smallUrl } = await startServer({ maxSubscriptions: 2 });
    const small = connectClient(smallUrl);
    await small.subscribe('a', () => {});
    await small.subscribe('b', () => {});
    await assert.rejects(small.subscribe('c', () => {}), (err: unknown) => err instanceof RemoteError && err.code === ErrorCode.LimitExceeded);
    assert.deepEqual(small.topics, ['a', 'b']);
    raw.close();
  });

  test('client publish is refused with FORBIDDEN unless enabled', async () => {
    const { url: lockedUrl } = await startServer();
    const client = connectClient(lockedUrl);
    await assert.rejects(client.publish('chat:lobby', 'x', { ack: true }), (err: unknown) => err instanceof RemoteError && err.code === ErrorCode.Forbidden);
  });

  test('presence: join and leave notices when enabled', async () => {
    const { url: presenceUrl } = await startServer({ presence: true });
    const watcher = connectClient(presenceUrl);
    const joins: unknown[] = [];
    const leaves: unknown[] = [];
    watcher.on('join', (event) => joins.push(event));
    watcher.on('leave', (event) => leaves.push(event));
    await watcher.subscribe('room:1', () => {});
    const visitor = connectClient(presenceUrl, { format: 'json' });
    await visitor.subscribe('room:1', () => {});
    await waitFor(() => joins.length === 2, 2000, 'two joins');
    const visitorId = visitor.connectionId;
    visitor.close();
    await waitFor(() => leaves.length === 1, 2000, 'a leave');
    assert.deepEqual(leaves[0], { topic: 'room:1', connectionId: visitorId, userId: null });
  });
});

describe('per-namespace publish rules and limits', async () => {
  const { server, url } = await startServer({
    namespaces: { 'chat:': { publish: 'anyone', maxPublishBytes: 64 }, 'feed:': { publish: 'nobody' } },
  });

  test('a client publish over the namespace maxPublishBytes is PAYLOAD_TOO_LARGE; within it, delivered; the server itself is not limited', async () => {
    const client = connectClient(url);
    const got: unknown[] = [];
    await client.subscribe('chat:room', (data) => got.push(data));
    await assert.rejects(client.publish('chat:room', 'x'.repeat(100), { ack: true }), (err: unknown) => err instanceof RemoteError && err.code === ErrorCode.PayloadTooLarge);
    assert.equal(await client.publish('chat:room', 'small', { ack: true }), 1);
    await server.publish('chat:room', 'y'.repeat(1000));
    await waitFor(() => got.length === 2, 2000, 'two messages');
    assert.deepEqual(got, ['small', 'y'.repeat(1000)]);
    await assert.rejects(client.publish('feed:x', 1, { ack: true }), (err: unknown) => err instanceof RemoteError && err.code === ErrorCode.Forbidden);
    await assert.rejects(client.publish('other', 1, { ack: true }), (err: unknown) => err instanceof RemoteError && err.code === ErrorCode.Forbidden, 'default namespace: nobody');
  });
});
