/**
 * A Subscribe whose permission is decided later (a subscription token being verified, a backend
 * hook being asked) followed by an Unsubscribe of the same topic: the frames' order must win. Found
 * by the adversarial suite's churn class: the Unsubscribe was answered at once, then the late
 * permission subscribed the connection anyway, so it kept receiving a topic it had left (and the
 * subscription counted against its limit) until it unsubscribed again.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, test } from 'node:test';
import { SignJWT } from 'jose';
import { Kind } from '../../src/protocol/index.js';
import { startBystander } from '../helpers/bystander.js';
import { RawClient } from '../helpers/raw-client.js';
import { startServer, waitFor } from '../helpers/server.js';

const secret = 'subscribe-order-secret-0123456789';
const sign = (claims: Record<string, unknown>, sub: string) => new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setSubject(sub).setExpirationTime('1h').sign(new TextEncoder().encode(secret));

describe('an Unsubscribe sent while the Subscribe before it waits for its permission', async () => {
  // A backend that holds every subscribe answer until the test releases it.
  const held: Array<() => void> = [];
  const backend = createServer((req, res) => {
    req.resume();
    req.on('end', () => held.push(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{"allow":true}')));
  });
  await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
  after(() => new Promise((resolve) => backend.close(resolve)));
  const { server, url } = await startServer({
    jwtSecret: secret,
    backend: { subscribeUrl: `http://127.0.0.1:${(backend.address() as AddressInfo).port}/subscribe` },
    namespaces: { 'hook:': { subscribe: 'backend' }, 'sealed:': { subscribe: 'token' } },
  });
  const bystander = await startBystander(server, url, 'bystander', { token: () => sign({}, 'watcher') });
  const subscribers = (topic: string) => [...server.clients.values()].filter((client) => client.topics.has(topic)).length;

  test('a backend-checked topic left before the backend answered stays left, and nothing published there arrives', async () => {
    const raw = await RawClient.connect(`${url}?token=${await sign({}, 'mallory')}`);
    raw.send({ kind: Kind.Subscribe, id: 1, topics: ['hook:room'] });
    raw.send({ kind: Kind.Unsubscribe, id: 2, topics: ['hook:room'] });
    assert.equal((await raw.answer(2)).kind, Kind.Reply);
    await waitFor(() => held.length === 1, 5000, 'the backend asked');
    held.shift()!();
    assert.equal((await raw.answer(1)).kind, Kind.Reply, 'the Subscribe itself was allowed');
    await server.publish('hook:room', 'after leaving');
    raw.send({ kind: Kind.Ping, id: 3 });
    await raw.answer(3);
    assert.equal(subscribers('hook:room'), 0);
    assert.deepEqual(raw.frames.filter((frame) => frame.kind === Kind.Message), []);
    raw.close();
    await bystander.check();
  });

  test('a token topic left in the same message as its Subscribe stays left', async () => {
    const raw = await RawClient.connect(`${url}?token=${await sign({}, 'mallory')}`, { format: 'json' });
    const grant = await sign({ topic: 'sealed:room' }, 'mallory');
    raw.sendRaw(`${JSON.stringify([1, 1, ['sealed:room'], { tokens: { 'sealed:room': grant } }])}\n[2,2,["sealed:room"]]`);
    assert.equal((await raw.answer(1)).kind, Kind.Reply);
    assert.equal((await raw.answer(2)).kind, Kind.Reply);
    raw.send({ kind: Kind.Ping, id: 3 });
    await raw.answer(3);
    assert.equal(subscribers('sealed:room'), 0);
    raw.close();
    await bystander.check();
  });

  test('a topic subscribed again after the Unsubscribe is subscribed (the last frame wins)', async () => {
    const raw = await RawClient.connect(`${url}?token=${await sign({}, 'mallory')}`);
    raw.send({ kind: Kind.Subscribe, id: 1, topics: ['hook:again'] });
    raw.send({ kind: Kind.Unsubscribe, id: 2, topics: ['hook:again'] });
    raw.send({ kind: Kind.Subscribe, id: 3, topics: ['hook:again'] });
    await raw.answer(2);
    await waitFor(() => held.length >= 1, 5000, 'the backend asked');
    while (held.length > 0) held.shift()!();
    await raw.answer(1);
    await waitFor(() => held.length >= 1 || subscribers('hook:again') === 1, 5000, 'the second check');
    while (held.length > 0) held.shift()!();
    await raw.answer(3);
    assert.equal(subscribers('hook:again'), 1);
    raw.close();
    await bystander.check();
  });
});
