import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SignJWT, UnsecuredJWT } from 'jose';
import { ErrorCode, Kind, type ErrorFrame } from '../../src/protocol/index.js';
import { SUBSCRIBE_DENIED, claimAllows } from '../../src/server/connection/permissions.js';
import { startBystander } from '../helpers/bystander.js';
import { RawClient } from '../helpers/raw-client.js';
import { startServer } from '../helpers/server.js';

const secret = 'permissions-secret-0123456789ab';
const key = new TextEncoder().encode(secret);
const sign = (claims: Record<string, unknown>, sub?: string, exp: string | number = '1h', signKey = key) => {
  const jwt = new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setExpirationTime(exp);
  if (sub !== undefined) jwt.setSubject(sub);
  return jwt.sign(signKey);
};

test('claimAllows: exact topics and prefix entries ending in *', () => {
  assert.equal(claimAllows({ topics: ['vip:gold', 'desk:fx:*'] }, 'vip:gold'), true);
  assert.equal(claimAllows({ topics: ['vip:gold', 'desk:fx:*'] }, 'desk:fx:eurusd'), true);
  assert.equal(claimAllows({ topics: ['vip:gold'] }, 'vip:golden'), false);
  assert.equal(claimAllows({ topics: 'vip:gold' }, 'vip:gold'), false);
  assert.equal(claimAllows({}, 'vip:gold'), false);
});

describe('namespace subscribe rules', async () => {
  const { server, url } = await startServer({
    jwtSecret: secret,
    namespaces: {
      'members:': { subscribe: 'authenticated' },
      'vip:': { subscribe: 'claim' },
      'private:': { subscribe: 'token' },
    },
    // An anonymous-looking identity is impossible with jwtSecret, so a hook lets "anon" through without a user id.
    authenticate: (request) => (request.claims?.anon === true ? { userId: null } : {}),
  });
  const bystander = await startBystander(server, url, 'bystander', { token: () => sign({}, 'watcher') });
  const connectAs = async (sub: string | undefined, claims: Record<string, unknown> = {}) => RawClient.connect(`${url}?token=${await sign(claims, sub)}`);
  let nextId = 1;
  /** Subscribes and returns null for a Reply or the Error frame. */
  const subscribe = async (raw: RawClient, topic: string, tokens?: Record<string, string>) => {
    const id = nextId++;
    raw.send({ kind: Kind.Subscribe, id, topics: [topic], ...(tokens ? { tokens } : {}) });
    const answer = await raw.answer(id);
    return answer.kind === Kind.Reply ? null : (answer as ErrorFrame);
  };
  const denied = (frame: ErrorFrame | null) => {
    assert.ok(frame, 'expected a denial');
    assert.equal(frame.code, ErrorCode.Forbidden);
    assert.equal(frame.message, SUBSCRIBE_DENIED);
  };

  test('owner: user:<id> only for that user; other users and anonymous connections are FORBIDDEN', async () => {
    const alice = await connectAs('alice');
    const bob = await connectAs('bob');
    const anon = await connectAs(undefined, { anon: true });
    assert.equal(await subscribe(alice, 'user:alice'), null);
    denied(await subscribe(bob, 'user:alice'));
    denied(await subscribe(anon, 'user:alice'));
    denied(await subscribe(anon, 'user:null'));
    denied(await subscribe(bob, 'user:alice:extra'));
    // The denial is identical whether the topic has subscribers (user:alice) or never existed.
    const existing = await subscribe(bob, 'user:alice');
    const missing = await subscribe(bob, 'user:nobody-ever');
    assert.deepEqual({ ...existing!, id: 0 }, { ...missing!, id: 0 });
    for (const raw of [alice, bob, anon]) raw.close();
    await bystander.check();
  });

  test('authenticated: any user id, never anonymous', async () => {
    const user = await connectAs('carol');
    const anon = await connectAs(undefined, { anon: true });
    assert.equal(await subscribe(user, 'members:lounge'), null);
    denied(await subscribe(anon, 'members:lounge'));
    user.close();
    anon.close();
  });

  test('claim: the token topics claim lists the topic or a prefix*', async () => {
    const gold = await connectAs('dan', { topics: ['vip:gold', 'vip:desk:*'] });
    const plain = await connectAs('erin');
    assert.equal(await subscribe(gold, 'vip:gold'), null);
    assert.equal(await subscribe(gold, 'vip:desk:fx'), null);
    denied(await subscribe(gold, 'vip:platinum'));
    denied(await subscribe(plain, 'vip:gold'));
    gold.close();
    plain.close();
  });

  test('token: a subscription token naming the topic (topic or channel claim), for this user when it has a sub', async () => {
    const raw = await connectAs('frank');
    assert.equal(await subscribe(raw, 'private:room1', { 'private:room1': await sign({ topic: 'private:room1' }, 'frank') }), null);
    assert.equal(await subscribe(raw, 'private:room2', { 'private:room2': await sign({ channel: 'private:room2' }) }), null);
    denied(await subscribe(raw, 'private:room3'));
    denied(await subscribe(raw, 'private:room3', { 'private:room3': await sign({ topic: 'private:room1' }, 'frank') }));
    denied(await subscribe(raw, 'private:room3', { 'private:room3': await sign({ topic: 'private:room3' }, 'someone-else') }));
    denied(await subscribe(raw, 'private:room3', { 'private:room3': await sign({ topic: 'private:room3' }, 'frank', Math.floor(Date.now() / 1000) - 30) }));
    denied(await subscribe(raw, 'private:room3', { 'private:room3': await sign({ topic: 'private:room3' }, 'frank', '1h', new TextEncoder().encode('wrong-secret-0123456789abcdef')) }));
    denied(await subscribe(raw, 'private:room3', { 'private:room3': new UnsecuredJWT({ topic: 'private:room3', sub: 'frank' }).encode() }));
    // All or nothing: one denied topic refuses the frame, the allowed one is not subscribed either.
    const id = nextId++;
    raw.send({ kind: Kind.Subscribe, id, topics: ['public:ok', 'private:room4'] });
    denied((await raw.answer(id)) as ErrorFrame);
    const connection = [...server.clients.values()].find((client) => client.userId === 'frank')!;
    assert.deepEqual([...connection.topics].sort(), ['private:room1', 'private:room2']);
    raw.close();
    await bystander.check();
  });

  test('a denied subscriber receives nothing published to the topic', async () => {
    const bob = await connectAs('bob');
    denied(await subscribe(bob, 'user:alice'));
    await server.publish('user:alice', 'secret');
    bob.send({ kind: Kind.Ping, id: 999 });
    await bob.answer(999);
    assert.equal(bob.frames.some((frame) => frame.kind === Kind.Message), false);
    bob.close();
  });

  test('server-side client.subscribe is trusted and bypasses the rules', async () => {
    const raw = await connectAs('gina');
    const connection = [...server.clients.values()].find((client) => client.userId === 'gina')!;
    connection.subscribe('user:alice');
    assert.ok(connection.topics.has('user:alice'));
    raw.close();
  });
});
