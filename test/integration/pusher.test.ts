/**
 * The Pusher front against unmodified pusher-js and the `pusher` Node server SDK: one core shared
 * with native clients and the native HTTP API.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { APP, connected, next, pusherClient, serverSdk, startAuthEndpoint, subscribed } from '../helpers/pusher.js';
import WebSocket from 'ws';
import { connectClient } from '../helpers/clients.js';
import { postJson, startServer } from '../helpers/server.js';

describe('Pusher front', async () => {
  const { port, http, url } = await startServer({ pusher: { apps: [{ ...APP }] }, namespaces: { 'presence-': { presence: true } } });
  const sdk = serverSdk(port);
  const auth = await startAuthEndpoint(sdk);

  test('connects with a Pusher socket id and receives events from the pusher SDK and from /api/publish', async () => {
    const client = pusherClient(port);
    assert.match(await connected(client), /^\d+\.\d+$/);
    await subscribed(client, 'news');
    const fromSdk = next(client, 'news', 'greet');
    await sdk.trigger('news', 'greet', { hi: 1 });
    assert.deepEqual(await fromSdk, { hi: 1 });
    const shaped = next(client, 'news', 'native-event');
    assert.equal((await postJson(`${http}/api/publish`, { topic: 'news', data: { event: 'native-event', data: { n: 2 } } })).status, 200);
    assert.deepEqual(await shaped, { n: 2 });
    const plain = next(client, 'news', 'message');
    await postJson(`${http}/api/publish`, { topic: 'news', data: [1, 'two'] });
    assert.deepEqual(await plain, [1, 'two']);
  });

  test('one publication reaches a native SDK client and a pusher-js client on the same topic, with one seq', async () => {
    const native = connectClient(url, { format: 'json' });
    const nativeGot: Array<{ data: unknown; seq: number }> = [];
    await native.subscribe('shared', (data, { seq }) => nativeGot.push({ data, seq }));
    const client = pusherClient(port);
    await subscribed(client, 'shared');
    const got = next(client, 'shared', 'update');
    await sdk.trigger('shared', 'update', { v: 1 });
    assert.deepEqual(await got, { v: 1 });
    while (nativeGot.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    assert.deepEqual(nativeGot, [{ data: { event: 'update', data: '{"v":1}' }, seq: 1 }]);
  });

  test('private channels are authorised through an auth endpoint; a refused or forged auth is a subscription_error', async () => {
    const client = pusherClient(port, { authEndpoint: auth });
    await connected(client);
    await subscribed(client, 'private-orders');
    const got = next(client, 'private-orders', 'placed');
    await sdk.trigger('private-orders', 'placed', { id: 7 });
    assert.deepEqual(await got, { id: 7 });

    const refused = pusherClient(port, { authEndpoint: `${auth}?deny=1` });
    await assert.rejects(subscribed(refused, 'private-orders'), (err: any) => err.detail.type === 'AuthError' && err.detail.status === 403);

    const forged = serverSdk(port, 'not-the-secret');
    const forgedEndpoint = await startAuthEndpoint(forged);
    const liar = pusherClient(port, { authEndpoint: forgedEndpoint });
    // The server itself refuses this one: the signature does not verify under the app's secret.
    await assert.rejects(subscribed(liar, 'private-orders'), (err: any) => err.detail.type === 'AuthError' && err.detail.status === 401 && err.detail.error === 'Invalid signature');
  });

  test('presence: members, member_added and member_removed across two clients, counted per user', async () => {
    const alice = pusherClient(port, { authEndpoint: `${auth}?user=alice` });
    const first: any = await subscribed(alice, 'presence-room');
    assert.equal(first.count, 1);
    assert.deepEqual(first.me, { id: 'alice', info: { name: 'User alice' } });
    const added = next(alice, 'presence-room', 'pusher:member_added');
    const bob = pusherClient(port, { authEndpoint: `${auth}?user=bob` });
    const second: any = await subscribed(bob, 'presence-room');
    assert.equal(second.count, 2);
    assert.deepEqual((await added), { id: 'bob', info: { name: 'User bob' } });
    const users = await sdk.get({ path: '/channels/presence-room/users' });
    assert.deepEqual(((await users.json()) as any).users.map((user: any) => user.id).sort(), ['alice', 'bob']);
    const removed = next(alice, 'presence-room', 'pusher:member_removed');
    bob.unsubscribe('presence-room');
    assert.deepEqual(await removed, { id: 'bob', info: { name: 'User bob' } });
  });

  test('client events reach the other subscriber and are never echoed to the sender', async () => {
    const a = pusherClient(port, { authEndpoint: auth });
    const b = pusherClient(port, { authEndpoint: auth });
    await subscribed(a, 'private-chat');
    await subscribed(b, 'private-chat');
    const echoed: unknown[] = [];
    a.channel('private-chat').bind('client-typing', (data: unknown) => echoed.push(data));
    const atB = next(b, 'private-chat', 'client-typing');
    assert.equal(a.channel('private-chat').trigger('client-typing', { who: 'a' }), true);
    assert.deepEqual(await atB, { who: 'a' });
    // A server event after it: by then an echo to the sender would have arrived (one socket, in order).
    const marker = next(a, 'private-chat', 'marker');
    await sdk.trigger('private-chat', 'marker', {});
    await marker;
    assert.deepEqual(echoed, []);
  });

  test('socket_id excludes the sender from an HTTP event, and only it', async () => {
    const sender = pusherClient(port);
    const other = pusherClient(port);
    const senderId = await connected(sender);
    await subscribed(sender, 'feed');
    await subscribed(other, 'feed');
    const seen: unknown[] = [];
    sender.channel('feed').bind('post', (data: unknown) => seen.push(data));
    const atOther = next(other, 'feed', 'post');
    await sdk.trigger('feed', 'post', { n: 1 }, { socket_id: senderId });
    assert.deepEqual(await atOther, { n: 1 });
    const marker = next(sender, 'feed', 'post');
    await sdk.trigger('feed', 'post', { n: 2 });
    assert.deepEqual(await marker, { n: 2 });
    assert.deepEqual(seen, [{ n: 2 }]);
  });

  test('a request with a bad signature is refused with 401 and publishes nothing', async () => {
    await assert.rejects(serverSdk(port, 'wrong-secret').trigger('news', 'x', {}), (err: any) => err.status === 401 && /Invalid signature/.test(err.body));
  });

  test('channel queries: channels by prefix, one channel, batch events', async () => {
    const client = pusherClient(port);
    await subscribed(client, 'stats-one');
    const list = (await (await sdk.get({ path: '/channels', params: { filter_by_prefix: 'stats-' } })).json()) as any;
    assert.deepEqual(list, { channels: { 'stats-one': {} } });
    const one = (await (await sdk.get({ path: '/channels/stats-one', params: { info: 'subscription_count' } })).json()) as any;
    assert.deepEqual(one, { occupied: true, subscription_count: 1 });
    const a = next(client, 'stats-one', 'first');
    const b = next(client, 'stats-one', 'second');
    await sdk.triggerBatch([{ channel: 'stats-one', name: 'first', data: '1' }, { channel: 'stats-one', name: 'second', data: '2' }]);
    assert.deepEqual([await a, await b], [1, 2]);
  });

  test('an unknown app key is refused with 4001 before any channel', async () => {
    const client = pusherClient(port, { key: 'no-such-key' });
    // pusher-js reports the handshake's pusher:error and, for 4000-4099, stays disconnected (no retry).
    const code = (error: any) => error?.error?.data?.code ?? error?.data?.code;
    const error = await new Promise<any>((resolve) => client.connection.bind('error', (e: any) => code(e) !== undefined && resolve(e)));
    assert.equal(code(error), 4001);
    await new Promise<void>((resolve) => (client.connection.state === 'disconnected' ? resolve() : client.connection.bind('disconnected', resolve)));
  });
});

describe('Pusher front with coalescing namespaces', async () => {
  const { port, server } = await startServer({ pusher: { apps: [{ ...APP }] }, namespaces: { 'burst-': { coalesceMs: 50 } } });

  test('publications batched for native clients still reach Pusher clients one event per message, in order', async () => {
    const client = pusherClient(port);
    await subscribed(client, 'burst-a');
    const got: unknown[] = [];
    client.channel('burst-a').bind('tick', (data: unknown) => got.push(data));
    await Promise.all([1, 2, 3].map((n) => server.publish('burst-a', { event: 'tick', data: { n } })));
    const last = next(client, 'burst-a', 'done');
    await server.publish('burst-a', { event: 'done', data: {} });
    await last;
    assert.deepEqual(got, [{ n: 1 }, { n: 2 }, { n: 3 }]);
  });
});

describe('Pusher front during a drain', async () => {
  const { port, url, server } = await startServer({ pusher: { apps: [{ ...APP }] }, drainMs: 0 });

  test('Pusher sockets are closed with 4200 (reconnect at once), native sockets with 1012', async () => {
    const pusherSocket = new WebSocket(`ws://127.0.0.1:${port}/app/${APP.key}?protocol=7`);
    const nativeSocket = new WebSocket(url, ['switchboard.v1.json']);
    const closeCode = (socket: WebSocket) => new Promise<number>((resolve) => socket.once('close', resolve));
    const closes = [closeCode(pusherSocket), closeCode(nativeSocket)];
    await new Promise((resolve) => pusherSocket.once('message', resolve)); // pusher:connection_established
    await new Promise((resolve, reject) => (nativeSocket.once('open', resolve), nativeSocket.once('error', reject)));
    await server.drain();
    assert.deepEqual(await Promise.all(closes), [4200, 1012]);
  });
});
