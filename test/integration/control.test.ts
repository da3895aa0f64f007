import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SignJWT } from 'jose';
import { CloseCode, Kind, type MessageFrame } from '../../src/protocol/index.js';
import { connectClient } from '../helpers/clients.js';
import { RawClient } from '../helpers/raw-client.js';
import { postJson, startServer, waitFor } from '../helpers/server.js';

const secret = 'control-secret-0123456789';
const sign = (sub: string) =>
  new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(sub).setExpirationTime('1h').sign(new TextEncoder().encode(secret));

async function rawUser(url: string, user: string): Promise<RawClient> {
  return RawClient.connect(`${url}?token=${await sign(user)}`);
}

/** The id the server gave a raw client (from its Welcome, which RawClient.connect consumed). */
function idOf(server: { clients: ReadonlyMap<string, { userId: string | null }> }, user: string): string[] {
  return [...server.clients.entries()].filter(([, client]) => client.userId === user).map(([id]) => id);
}

const isMessage = (topic: string) => (frame: { kind: number }) => frame.kind === Kind.Message && (frame as MessageFrame).topic === topic;

describe('HTTP control of users', async () => {
  const { url, http, server } = await startServer({ jwtSecret: secret, maxSubscriptions: 1 });

  test('POST /api/subscribe and /api/unsubscribe reach every connection of the user, past maxSubscriptions', async () => {
    const phone = await rawUser(url, 'alice');
    const laptop = await rawUser(url, 'alice');
    const bystander = await rawUser(url, 'bob');
    phone.send({ kind: Kind.Subscribe, id: 1, topics: ['own:1'] });
    assert.equal((await phone.answer(1)).kind, Kind.Reply);

    const subscribed = await postJson(`${http}/api/subscribe`, { user: 'alice', topics: ['news:1', 'news:2'] });
    assert.deepEqual(subscribed, { status: 200, body: { ok: true, connections: 2 } });
    for (const id of idOf(server, 'alice')) assert.deepEqual([...server.clients.get(id)!.topics].filter((t) => t.startsWith('news:')), ['news:1', 'news:2']);
    const sizes = idOf(server, 'alice').map((id) => server.clients.get(id)!.topics.size).sort();
    assert.deepEqual(sizes, [2, 3], 'server-initiated topics do not count against maxSubscriptions (1)');

    await server.publish('news:1', 'hello');
    for (const client of [phone, laptop]) assert.equal(((await client.next(isMessage('news:1'))) as MessageFrame).data, 'hello');

    const unsubscribed = await postJson(`${http}/api/unsubscribe`, { user: 'alice', topics: ['news:1'] });
    assert.deepEqual(unsubscribed, { status: 200, body: { ok: true, connections: 2 } });
    for (const id of idOf(server, 'alice')) assert.equal(server.clients.get(id)!.topics.has('news:1'), false);
    // news:2 is still there: a publication on it arrives, and it is the next frame after the earlier one.
    await server.publish('news:1', 'not for alice');
    await server.publish('news:2', 'still subscribed');
    assert.equal(((await phone.next((frame) => frame.kind === Kind.Message)) as MessageFrame).topic, 'news:2');
    assert.equal(bystander.frames.filter((frame) => frame.kind === Kind.Message).length, 0);

    const nobody = await postJson(`${http}/api/subscribe`, { user: 'nobody', topics: ['news:1'] });
    assert.deepEqual(nobody, { status: 200, body: { ok: true, connections: 0 } });
    for (const client of [phone, laptop, bystander]) client.close();
  });

  test('POST /api/disconnect closes with KICKED 4501 and the SDK does not reconnect', async () => {
    const client = connectClient(url, { token: () => sign('carol') });
    await client.ready();
    const closes: Array<{ code: number; willReconnect: boolean }> = [];
    client.on('close', ({ code, willReconnect }) => closes.push({ code, willReconnect }));
    const res = await postJson(`${http}/api/disconnect`, { user: 'carol', reason: 'account suspended' });
    assert.deepEqual(res, { status: 200, body: { ok: true, connections: 1 } });
    await waitFor(() => closes.length === 1, 3000, 'the close event');
    assert.deepEqual(closes, [{ code: CloseCode.Kicked, willReconnect: false }]);
    assert.equal(client.state, 'closed');
    assert.deepEqual(idOf(server, 'carol'), []);
  });

  test('POST /api/disconnect with reconnect: true closes with 4000, and with code and reason as given', async () => {
    const gentle = await rawUser(url, 'dave');
    assert.deepEqual(await postJson(`${http}/api/disconnect`, { user: 'dave', reconnect: true }), { status: 200, body: { ok: true, connections: 1 } });
    assert.equal((await gentle.closedWith()).code, CloseCode.ServerClosed);
    const custom = await rawUser(url, 'erin');
    await postJson(`${http}/api/disconnect`, { user: 'erin', code: 4321, reason: 'moved' });
    assert.deepEqual(await custom.closedWith(), { code: 4321, reason: 'moved' });
  });

  test('bad control bodies get 400 with {error, code}', async () => {
    const cases: Array<[string, unknown, string]> = [
      ['/api/subscribe', { topics: ['a'] }, 'BAD_REQUEST'],
      ['/api/subscribe', { user: '', topics: ['a'] }, 'BAD_REQUEST'],
      ['/api/subscribe', { user: 'u', topics: [] }, 'BAD_REQUEST'],
      ['/api/subscribe', { user: 'u', topics: 'a' }, 'BAD_REQUEST'],
      ['/api/subscribe', { user: 'u', topics: ['ok', 'bad topic'] }, 'INVALID_TOPIC'],
      ['/api/unsubscribe', { user: 7, topics: ['a'] }, 'BAD_REQUEST'],
      ['/api/disconnect', {}, 'BAD_REQUEST'],
      ['/api/disconnect', { user: 'u', code: 1001 }, 'BAD_REQUEST'],
      ['/api/disconnect', { user: 'u', code: 4000.5 }, 'BAD_REQUEST'],
      ['/api/disconnect', { user: 'u', reason: 5 }, 'BAD_REQUEST'],
      ['/api/disconnect', { user: 'u', reconnect: 'yes' }, 'BAD_REQUEST'],
      ['/api/disconnect', { user: 'u', code: 4000, reconnect: true }, 'BAD_REQUEST'],
    ];
    for (const [path, body, code] of cases) {
      const res = await postJson(`${http}${path}`, body);
      assert.equal(res.status, 400, `${path} ${JSON.stringify(body)}`);
      assert.equal(res.body.code, code, `${path} ${JSON.stringify(body)}`);
      assert.equal(typeof res.body.error, 'string');
    }
  });
});

describe('control endpoints behind an API key', async () => {
  const { http } = await startServer({ apiKey: 'control-key' });

  test('need the key like every other /api route', async () => {
    const refused = await postJson(`${http}/api/disconnect`, { user: 'u' });
    assert.equal(refused.status, 401);
    assert.equal(refused.body.code, 'UNAUTHORIZED');
    const allowed = await postJson(`${http}/api/disconnect`, { user: 'u' }, { authorization: 'Bearer control-key' });
    assert.deepEqual(allowed, { status: 200, body: { ok: true, connections: 0 } });
    assert.equal((await fetch(`${http}/api/presence/t`)).status, 401);
  });
});

describe('idempotent publish', async () => {
  const { url, http, server } = await startServer();

  test('a repeated idempotencyKey is not delivered again and answers the same seq', async () => {
    const subscriber = await RawClient.connect(url);
    subscriber.send({ kind: Kind.Subscribe, id: 1, topics: ['orders'] });
    await subscriber.answer(1);
    const first = await postJson(`${http}/api/publish`, { topic: 'orders', data: 'fill 1', idempotencyKey: 'order-1' });
    assert.deepEqual(first, { status: 200, body: { ok: true, seq: 1 } });
    const again = await postJson(`${http}/api/publish`, { topic: 'orders', data: 'fill 1', idempotencyKey: 'order-1' });
    assert.deepEqual(again, { status: 200, body: { ok: true, seq: 1, duplicate: true } });
    const byHeader = await postJson(`${http}/api/publish`, { topic: 'orders', data: 'fill 1' }, { 'idempotency-key': 'order-1' });
    assert.deepEqual(byHeader.body, { ok: true, seq: 1, duplicate: true });
    const otherKey = await postJson(`${http}/api/publish`, { topic: 'orders', data: 'fill 2' }, { 'idempotency-key': 'order-2' });
    assert.deepEqual(otherKey.body, { ok: true, seq: 2 });
    const sameKeyOtherTopic = await postJson(`${http}/api/publish`, { topic: 'orders:eu', data: 'x', idempotencyKey: 'order-1' });
    assert.deepEqual(sameKeyOtherTopic.body, { ok: true, seq: 1 });
    // The subscriber sees seq 1 and 2 once each; frames of a topic arrive in order, so nothing can follow 2 unseen.
    const seqs: number[] = [];
    while (seqs.at(-1) !== 2) seqs.push(((await subscriber.next((frame) => frame.kind === Kind.Message)) as MessageFrame).seq);
    assert.deepEqual(seqs, [1, 2]);
    subscriber.close();
  });

  test('bad idempotency keys get 400', async () => {
    for (const [body, headers] of [
      [{ topic: 't', data: 1, idempotencyKey: '' }, {}],
      [{ topic: 't', data: 1, idempotencyKey: 5 }, {}],
      [{ topic: 't', data: 1, idempotencyKey: 'x'.repeat(257) }, {}],
      [{ topic: 't', data: 1, idempotencyKey: 'a' }, { 'idempotency-key': 'b' }],
    ] as const) {
      const res = await postJson(`${http}/api/publish`, body, headers);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(res.body.code, 'BAD_REQUEST');
    }
    assert.equal((await postJson(`${http}/api/publish`, { topic: 'bad topic', data: 1, idempotencyKey: 'k' })).body.code, 'INVALID_TOPIC');
    assert.deepEqual((await postJson(`${http}/api/publish`, { topic: 't', data: 1, idempotencyKey: 'k' })).body, { ok: true, seq: 1 }, 'a refused publish does not keep its key');
  });

  test('server.publish takes an idempotencyKey too', async () => {
    assert.equal(await server.publish('lib', 1, { idempotencyKey: 'k' }), 1);
    assert.equal(await server.publish('lib', 1, { idempotencyKey: 'k' }), 1);
    assert.equal(await server.publish('lib', 2), 2);
  });
});

describe('broadcast goes through the same door as publish', async () => {
  const { server, http } = await startServer();

  test('a retried broadcast with the same idempotency key publishes nothing twice (library and HTTP)', async () => {
    assert.deepEqual(await server.broadcast(['b.one', 'b.two'], 'x', { idempotencyKey: 'k1' }), [1, 1]);
    assert.deepEqual(await server.broadcast(['b.one', 'b.two'], 'x', { idempotencyKey: 'k1' }), [1, 1], 'same seqs: nothing published again');
    const body = { topics: ['b.one', 'b.two', 'b.three'], data: 'y', idempotencyKey: 'k2' };
    const first = await postJson(`${http}/api/broadcast`, body);
    assert.deepEqual(first.body, { ok: true, seqs: [2, 2, 1] });
    const retry = await postJson(`${http}/api/broadcast`, body);
    assert.deepEqual(retry.body, { ok: true, seqs: [2, 2, 1] }, 'the retry answers the first seqs');
    assert.equal((await server.history('b.one')).seq, 2, 'b.one was published to twice in all, not three times');
  });
});
