/**
 * Attacks that go through one door (native WebSocket, Pusher WebSocket) to reach what another door
 * protects: a native client reading Pusher's signed `private-`/`presence-` channels, a Pusher
 * socket reaching credential-protected native namespaces. One rule holds on every door:
 * `private-`, `presence-` and `user:` topics are opened only by a credential.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SignJWT } from 'jose';
import { CloseCode, ErrorCode, Kind, type ErrorFrame, type Format, type ServerFrame } from '../../src/protocol/index.js';
import { SUBSCRIBE_DENIED } from '../../src/server/connection/permissions.js';
import { SUBSCRIPTION_TOKEN_REFUSED } from '../../src/server/connection/token-verifier.js';
import { PUBLISH_DENIED } from '../../src/server/fronts/switchboard/frame-rules.js';
import { startBystander } from '../helpers/bystander.js';
import { APP, connected, next, pusherClient, serverSdk, startAuthEndpoint, subscribed } from '../helpers/pusher.js';
import { RawClient } from '../helpers/raw-client.js';
import { startServer } from '../helpers/server.js';
import { upgradeStatus } from '../helpers/upgrade.js';

const secret = 'cross-door-secret-0123456789ab';
const key = new TextEncoder().encode(secret);
const sign = (claims: Record<string, unknown>, sub?: string) => {
  const jwt = new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('1h');
  if (sub !== undefined) jwt.setSubject(sub);
  return jwt.sign(key);
};

let nextId = 1;
/** Sends a request frame and returns its answer (Reply or Error). */
async function ask(raw: RawClient, frame: Record<string, unknown>): Promise<ServerFrame> {
  const id = nextId++;
  raw.send({ ...frame, id } as never);
  return raw.answer(id);
}

function refused(answer: ServerFrame, code: number, message?: string): void {
  assert.equal(answer.kind, Kind.Error, `expected an Error, got ${JSON.stringify(answer)}`);
  assert.equal((answer as ErrorFrame).code, code);
  if (message !== undefined) assert.equal((answer as ErrorFrame).message, message);
}

describe('an anonymous native client on a server with a Pusher app', async () => {
  // clientPublish opens the default namespace to every client: it must not open private-/presence-.
  const { server, url, port } = await startServer({ pusher: { apps: [{ ...APP }] }, clientPublish: true, namespaces: { 'presence-': { presence: true } } });
  const bystander = await startBystander(server, url);
  const sdk = serverSdk(port);
  const authEndpoint = await startAuthEndpoint(sdk);

  for (const format of ['msgpack', 'json'] as Format[]) {
    test(`(${format}) cannot subscribe to private-orders or presence-room, nor recover, read history, ask presence or publish there`, async () => {
      // Pusher users on both channels, so there is something to steal.
      const alice = pusherClient(port, { authEndpoint: `${authEndpoint}?user=alice` });
      await connected(alice);
      await subscribed(alice, 'private-orders');
      await subscribed(alice, 'presence-room');
      await sdk.trigger('private-orders', 'placed', { id: 1 });

      const thief = await RawClient.connect(url, { format });
      for (const topic of ['private-orders', 'presence-room', 'private-encrypted-vault', 'user:alice']) {
        refused(await ask(thief, { kind: Kind.Subscribe, topics: [topic] }), ErrorCode.Forbidden, SUBSCRIBE_DENIED);
        // Recovery from the start of the stream: would replay the whole backlog.
        refused(await ask(thief, { kind: Kind.Subscribe, topics: [topic], positions: { [topic]: { epoch: '', seq: 0 } } }), ErrorCode.Forbidden, SUBSCRIBE_DENIED);
        refused(await ask(thief, { kind: Kind.History, topic, epoch: '', seq: 0 }), ErrorCode.NotSubscribed);
        refused(await ask(thief, { kind: Kind.Presence, topic }), ErrorCode.NotSubscribed);
        refused(await ask(thief, { kind: Kind.Publish, topic, data: { event: 'client-forged', data: 'x' } }), ErrorCode.Forbidden, PUBLISH_DENIED);
      }
      // Nothing the backend, other users or presence send there reaches it, and it never joined.
      const placed = next(alice, 'private-orders', 'placed');
      await sdk.trigger('private-orders', 'placed', { id: 2 });
      await placed;
      const users = await sdk.get({ path: '/channels/presence-room/users' });
      assert.deepEqual(((await users.json()) as { users: Array<{ id: string }> }).users.map((user) => user.id), ['alice']);
      // The public default namespace is still open to it (and to its publishes).
      assert.equal((await ask(thief, { kind: Kind.Subscribe, topics: ['news'] })).kind, Kind.Reply);
      assert.equal((await ask(thief, { kind: Kind.Publish, topic: 'news', data: 1 })).kind, Kind.Reply);
      await thief.next((frame) => frame.kind === Kind.Message && frame.topic === 'news');
      const stolen = thief.frames.filter((frame) => 'topic' in frame && frame.topic !== 'news');
      assert.deepEqual(stolen, []);
      thief.close();
      alice.disconnect();
      await bystander.check();
    });
  }
});

describe('native clients with credentials for private- and presence- topics', async () => {
  const { server, url, port } = await startServer({ pusher: { apps: [{ ...APP }] }, jwtSecret: secret, namespaces: { 'presence-': { presence: true } } });
  const bystander = await startBystander(server, url, 'bystander', { token: () => sign({}, 'watcher') });
  const sdk = serverSdk(port);

  test('a subscription token naming the topic opens it (live, recovery, history, presence); a token for another topic or user does not', async () => {
    const raw = await RawClient.connect(`${url}?token=${await sign({}, 'alice')}`);
    const forOrders = await sign({ topic: 'private-orders' }, 'alice');
    refused(await ask(raw, { kind: Kind.Subscribe, topics: ['private-orders'] }), ErrorCode.Forbidden, SUBSCRIBE_DENIED);
    refused(await ask(raw, { kind: Kind.Subscribe, topics: ['private-other'], tokens: { 'private-other': forOrders } }), ErrorCode.Forbidden, SUBSCRIBE_DENIED);
    refused(await ask(raw, { kind: Kind.Subscribe, topics: ['private-orders'], tokens: { 'private-orders': await sign({ topic: 'private-orders' }, 'bob') } }), ErrorCode.Forbidden, SUBSCRIBE_DENIED);
    assert.equal((await ask(raw, { kind: Kind.Subscribe, topics: ['private-orders'], tokens: { 'private-orders': forOrders } })).kind, Kind.Reply);
    await sdk.trigger('private-orders', 'placed', { id: 1 });
    await raw.next((frame) => frame.kind === Kind.Message && frame.topic === 'private-orders');
    assert.equal((await ask(raw, { kind: Kind.History, topic: 'private-orders', epoch: '', seq: 0 })).kind, Kind.Reply);
    // Still not a publisher there: publishing is the backend's (and signed Pusher client events').
    refused(await ask(raw, { kind: Kind.Publish, topic: 'private-orders', data: 1 }), ErrorCode.Forbidden, PUBLISH_DENIED);

    const forRoom = await sign({ channel: 'presence-room' }, 'alice');
    assert.equal((await ask(raw, { kind: Kind.Subscribe, topics: ['presence-room'], tokens: { 'presence-room': forRoom } })).kind, Kind.Reply);
    const info = await ask(raw, { kind: Kind.Presence, topic: 'presence-room' });
    assert.equal(info.kind, Kind.Reply);
    raw.close();
    await bystander.check();
  });
});

describe('a Pusher socket against credential-protected native namespaces', async () => {
  const { server, url, port } = await startServer({
    pusher: { apps: [{ ...APP }] },
    namespaces: { 'vip-': { subscribe: 'claim' }, 'members-': { subscribe: 'authenticated' }, 'sealed-': { subscribe: 'token' } },
  });
  const bystander = await startBystander(server, url);

  test('public channel names in claim, authenticated or token namespaces, and user:<id>, are refused', async () => {
    const client = pusherClient(port);
    await connected(client);
    for (const channel of ['vip-gold', 'members-lounge', 'sealed-box']) {
      await assert.rejects(subscribed(client, channel), (err: any) => err.detail?.status === 403, channel);
    }
    // `:` is not in Pusher's alphabet: user:<id> is not even a channel name there.
    await assert.rejects(subscribed(client, 'user:alice'), (err: any) => err.detail?.status === 400);
    client.disconnect();
    await bystander.check();
  });
});

describe('a publish rule looser than a credential-protected subscribe rule', async () => {
  const { server, url } = await startServer({ jwtSecret: secret, namespaces: { 'private-': { publish: 'authenticated' }, 'vip:': { subscribe: 'claim', publish: 'anyone' } } });
  const bystander = await startBystander(server, url, 'bystander', { token: () => sign({}, 'watcher') });

  test('a client without the credential cannot publish into private- or claim topics it may not read', async () => {
    const mallory = await RawClient.connect(`${url}?token=${await sign({}, 'mallory')}`);
    refused(await ask(mallory, { kind: Kind.Publish, topic: 'private-orders', data: 'forged' }), ErrorCode.Forbidden, PUBLISH_DENIED);
    refused(await ask(mallory, { kind: Kind.Publish, topic: 'vip:gold', data: 'forged' }), ErrorCode.Forbidden, PUBLISH_DENIED);
    const alice = await RawClient.connect(`${url}?token=${await sign({ topics: ['vip:*'] }, 'alice')}`);
    assert.equal((await ask(alice, { kind: Kind.Publish, topic: 'vip:gold', data: 'ok' })).kind, Kind.Reply);
    refused(await ask(alice, { kind: Kind.Publish, topic: 'private-orders', data: 'early' }), ErrorCode.Forbidden, PUBLISH_DENIED);
    const token = await sign({ topic: 'private-orders' }, 'alice');
    assert.equal((await ask(alice, { kind: Kind.Subscribe, topics: ['private-orders'], tokens: { 'private-orders': token } })).kind, Kind.Reply);
    assert.equal((await ask(alice, { kind: Kind.Publish, topic: 'private-orders', data: 'ok' })).kind, Kind.Reply);
    mallory.close();
    alice.close();
    await bystander.check();
  });
});

describe('a subscription token presented as a connection token', async () => {
  const { server, url } = await startServer({ jwtSecret: secret });
  const bystander = await startBystander(server, url, 'bystander', { token: () => sign({}, 'watcher') });

  test('connecting with a subscription token (topic or channel claim) is refused 4504; so is a Refresh to one', async () => {
    for (const claims of [{ topic: 'private-orders' }, { channel: 'presence-room' }]) {
      const outcome = await upgradeStatus(`${url}?token=${await sign(claims, 'alice')}`, { protocols: ['switchboard.v1.msgpack'] });
      assert.deepEqual(outcome.close, { code: CloseCode.Unauthorized, reason: SUBSCRIPTION_TOKEN_REFUSED });
    }
    // A token without sub (a channel grant for anyone) is no connection either.
    const anonymous = await upgradeStatus(`${url}?token=${await sign({ topic: 'private-orders' })}`, { protocols: ['switchboard.v1.msgpack'] });
    assert.equal(anonymous.close?.code, CloseCode.Unauthorized);
    // The vice versa: a connection token does not open a token topic (it names none).
    const raw = await RawClient.connect(`${url}?token=${await sign({}, 'alice')}`);
    const connectionToken = await sign({}, 'alice');
    refused(await ask(raw, { kind: Kind.Subscribe, topics: ['private-orders'], tokens: { 'private-orders': connectionToken } }), ErrorCode.Forbidden, SUBSCRIBE_DENIED);
    refused(await ask(raw, { kind: Kind.Refresh, token: await sign({ topic: 'private-orders' }, 'alice') }), ErrorCode.Unauthorized, SUBSCRIPTION_TOKEN_REFUSED);
    assert.equal((await ask(raw, { kind: Kind.Refresh, token: connectionToken })).kind, Kind.Reply);
    raw.close();
    await bystander.check();
  });
});
