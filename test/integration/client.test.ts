import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { ErrorCode, RemoteError } from '../../src/protocol/index.js';
import { createServer } from '../../src/server/index.js';
import { startServer, waitFor } from '../helpers/server.js';
import { connectClient } from '../helpers/clients.js';

const withCode = (code: number) => (err: unknown) => err instanceof RemoteError && err.code === code;

describe('client SDK behaviour', async () => {
  const { server, url } = await startServer({ maxSubscriptions: 2, rpc: { echo: (_client, data) => data } });

  test('subscribe and rpc before the connection opens are sent once, after the welcome', async () => {
    const before = server.stats().messagesIn;
    const client = connectClient(url);
    assert.equal(client.state, 'connecting');
    const [, echoed] = await Promise.all([client.subscribe('early', () => {}), client.rpc('echo', 'queued')]);
    assert.equal(echoed, 'queued');
    // One message for the resubscribe batch (the only subscribe) and one for the rpc.
    assert.equal(server.stats().messagesIn - before, 2);
  });

  test('a subscription refused during the post-welcome batch rejects its caller and is forgotten', async () => {
    const client = connectClient(url);
    const results = await Promise.allSettled([client.subscribe('one', () => {}), client.subscribe('two', () => {}), client.subscribe('three', () => {})]);
    assert.deepEqual(results.map((result) => result.status), ['fulfilled', 'fulfilled', 'rejected']);
    assert.ok(withCode(ErrorCode.LimitExceeded)((results[2] as PromiseRejectedResult).reason));
    assert.deepEqual(client.topics, ['one', 'two']);
  });

  test('a subscribe made while reconnecting resolves once the connection is back', async () => {
    const first = createServer({ logLevel: 'silent', host: '127.0.0.1', port: 0 });
    const { port } = await first.listen();
    const client = connectClient(`ws://127.0.0.1:${port}/`, { minReconnectDelayMs: 30, maxReconnectDelayMs: 60 });
    await client.ready();
    await first.close();
    await waitFor(() => client.state === 'reconnecting', 3000, 'reconnecting');
    const got: unknown[] = [];
    const subscribed = client.subscribe('late', (data) => got.push(data));
    const second = createServer({ logLevel: 'silent', host: '127.0.0.1', port });
    await second.listen();
    after(() => second.close());
    await subscribed;
    await second.publish('late', 'made it');
    await waitFor(() => got.length === 1, 3000, 'delivery');
  });

  test('subscribed events: a first subscribe made while connecting says resubscribe: false, the renewal after a reconnect says true', async () => {
    const first = createServer({ logLevel: 'silent', host: '127.0.0.1', port: 0 });
    const { port } = await first.listen();
    let firstClosed = false;
    after(() => (firstClosed ? undefined : first.close()));
    const client = connectClient(`ws://127.0.0.1:${port}/`, { minReconnectDelayMs: 30, maxReconnectDelayMs: 60 });
    const events: Array<{ topic: string; resubscribe: boolean }> = [];
    client.on('subscribed', ({ topic, resubscribe }) => events.push({ topic, resubscribe }));
    assert.equal(client.state, 'connecting');
    await client.subscribe('fresh', () => {});
    assert.deepEqual(events, [{ topic: 'fresh', resubscribe: false }]);
    firstClosed = true;
    await first.close();
    await waitFor(() => client.state === 'reconnecting', 3000, 'reconnecting');
    const second = createServer({ logLevel: 'silent', host: '127.0.0.1', port });
    await second.listen();
    after(() => second.close());
    await waitFor(() => events.length === 2, 5000, 'the renewal');
    assert.deepEqual(events[1], { topic: 'fresh', resubscribe: true });
  });

  test('close() rejects waiting requests with DISCONNECTED and stops for good', async () => {
    const client = connectClient('ws://127.0.0.1:1/', { minReconnectDelayMs: 10 });
    const pending = client.rpc('echo', 1);
    client.close();
    await assert.rejects(pending, withCode(ErrorCode.Disconnected));
    await assert.rejects(client.ready(), withCode(ErrorCode.Disconnected));
    assert.equal(client.state, 'closed');
    // Once closed, new calls fail at once with the same answer, subscribe like rpc (not a TIMEOUT later).
    await assert.rejects(client.subscribe('after-close', () => {}), withCode(ErrorCode.Disconnected));
    assert.deepEqual(client.topics, [], 'the refused subscribe left no handler behind');
  });

  test('handlers that throw do not stop other handlers and surface as error events', async () => {
    const client = connectClient(url);
    const errors: Error[] = [];
    client.on('error', (error) => errors.push(error));
    const got: unknown[] = [];
    await client.subscribe('throwing', () => {
      throw new Error('handler bug');
    });
    await client.subscribe('throwing', (data) => got.push(data));
    await server.publish('throwing', 1);
    await waitFor(() => got.length === 1 && errors.length === 1, 3000, 'both handlers ran');
    assert.equal(errors[0]!.message, 'handler bug');
  });
});

describe('client respects the limits the server announces', async () => {
  const { url, server } = await startServer({ maxPayloadBytes: 512, maxTopicBytes: 16, clientPublish: true, onMessage: () => {} });

  test('an oversized publish or send is refused locally and the connection stays open', async () => {
    for (const format of ['msgpack', 'json'] as const) {
      const client = connectClient(url, { format });
      await client.ready();
      await assert.rejects(client.publish('big', 'x'.repeat(600), { ack: true }), (err: unknown) => err instanceof Error && (err as { code?: number }).code === ErrorCode.PayloadTooLarge);
      await assert.rejects(client.send('x'.repeat(600)), (err: unknown) => (err as { code?: number }).code === ErrorCode.PayloadTooLarge);
      assert.equal(await client.publish('big', 'small', { ack: true }), format === 'msgpack' ? 1 : 2);
      assert.equal(client.state, 'open');
    }
  });

  test('topics longer than the announced maxTopicBytes are refused locally', async () => {
    const client = connectClient(url);
    await client.ready();
    await assert.rejects(client.subscribe('a-topic-over-16-bytes', () => {}), /longer than 16 bytes/);
    assert.ok(server.stats().connections > 0);
  });
});

describe('resubscribing many topics after a reconnect', async () => {
  const { server, url } = await startServer({ maxPayloadBytes: 1024 });

  test('the renewal is split into messages within maxPayloadBytes: no 1009, every topic back with its position', async () => {
    const client = connectClient(url, { minReconnectDelayMs: 20 });
    const topics = Array.from({ length: 120 }, (_, i) => `desk:${String(i).padStart(3, '0')}:${'x'.repeat(40)}`);
    const seen = new Map<string, number[]>();
    const closes: number[] = [];
    client.on('close', ({ code }) => closes.push(code));
    for (const topic of topics) await client.subscribe(topic, (_data, { seq }) => seen.set(topic, [...(seen.get(topic) ?? []), seq]));
    for (const topic of topics) await server.publish(topic, 'before');
    await waitFor(() => [...seen.values()].reduce((n, list) => n + list.length, 0) === topics.length, 5000, 'first round');
    for (const connection of server.clients.values()) connection.close(4000, 'again');
    for (const topic of topics) await server.publish(topic, 'while away');
    await waitFor(() => client.state === 'open' && server.stats().connections === 1 && [...server.clients.values()][0]!.topics.size === topics.length, 5000, 'all topics renewed');
    for (const topic of topics) await server.publish(topic, 'after');
    await waitFor(() => [...seen.values()].every((list) => list.length === 3), 5000, 'every topic recovered and live');
    assert.deepEqual(closes, [4000], 'one close (ours), no 1009');
    for (const list of seen.values()) assert.deepEqual(list, [1, 2, 3]);
  });
});
