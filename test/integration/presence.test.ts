import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SignJWT } from 'jose';
import { ErrorCode, RemoteError } from '../../src/protocol/index.js';
import type { PresenceEvent, SwitchboardClient } from '../../src/client/index.js';
import { connectClient } from '../helpers/clients.js';
import { startServer, waitFor } from '../helpers/server.js';

const secret = 'presence-secret-0123456789';
const sign = (sub: string, info?: unknown) =>
  new SignJWT(info === undefined ? {} : { info }).setProtectedHeader({ alg: 'HS256' }).setSubject(sub).setExpirationTime('1h').sign(new TextEncoder().encode(secret));

/** Collects a client's join and leave events. */
function watch(client: SwitchboardClient) {
  const joins: PresenceEvent[] = [];
  const leaves: PresenceEvent[] = [];
  client.on('join', (event) => joins.push(event));
  client.on('leave', (event) => leaves.push(event));
  return { joins, leaves };
}

async function userClient(url: string, user: string, info?: unknown): Promise<SwitchboardClient> {
  const client = connectClient(url, { token: await sign(user, info) });
  await client.ready();
  return client;
}

const isCode = (code: number) => (err: unknown) => err instanceof RemoteError && err.code === code;

describe('presence with authenticated users', async () => {
  const { url, http, server } = await startServer({ jwtSecret: secret, namespaces: { 'room:': { presence: true } } });

  test('several connections of one user: one Join for the first, one Leave for the last, info carried', async () => {
    const watcher = await userClient(url, 'watcher');
    const seen = watch(watcher);
    await watcher.subscribe('room:1', () => {});
    const alice1 = await userClient(url, 'alice', { name: 'Alice' });
    const alice2 = await userClient(url, 'alice', { name: 'Alice' });
    const bob = await userClient(url, 'bob');
    await alice1.subscribe('room:1', () => {});
    await alice2.subscribe('room:1', () => {});
    // Join frames of one topic arrive in order: once bob's is here, a second one for alice would be too.
    await bob.subscribe('room:1', () => {});
    await waitFor(() => seen.joins.some((event) => event.userId === 'bob'), 3000, "bob's join");
    assert.deepEqual(
      seen.joins.map((event) => event.userId),
      ['watcher', 'alice', 'bob'],
    );
    assert.deepEqual(seen.joins[1], { topic: 'room:1', connectionId: alice1.connectionId, userId: 'alice', info: { name: 'Alice' } });
    assert.equal('info' in seen.joins[2]!, false, 'no info claim, no info field');

    const counted = await watcher.presence('room:1');
    assert.equal(counted.users, 3);
    assert.equal(counted.connections, 4);
    assert.equal(counted.truncated, undefined);
    assert.deepEqual(
      counted.members.filter((member) => member.userId === 'alice').map((member) => member.connectionId).sort(),
      [alice1.connectionId, alice2.connectionId].sort(),
    );

    // Closing one of alice's connections is silent; bob leaving afterwards proves nothing came before.
    const alice1Id = alice1.connectionId!;
    const alice2Id = alice2.connectionId;
    alice1.close();
    await waitFor(() => !server.clients.has(alice1Id), 3000, 'the server to see alice1 closed');
    await bob.unsubscribe('room:1');
    await waitFor(() => seen.leaves.length >= 1, 3000, "bob's leave");
    assert.deepEqual(
      seen.leaves.map((event) => event.userId),
      ['bob'],
    );
    alice2.close();
    await waitFor(() => seen.leaves.length === 2, 3000, "alice's leave");
    assert.deepEqual(seen.leaves[1], { topic: 'room:1', connectionId: alice2Id, userId: 'alice', info: { name: 'Alice' } });
    assert.deepEqual(await watcher.presence('room:1'), { users: 1, connections: 1, members: [{ userId: 'watcher', connectionId: watcher.connectionId }] });
  });

  test('presence() refuses topics not subscribed (NOT_SUBSCRIBED) and topics without presence (UNSUPPORTED)', async () => {
    const client = await userClient(url, 'carol');
    await assert.rejects(client.presence('room:elsewhere'), isCode(ErrorCode.NotSubscribed));
    await client.subscribe('news:1', () => {});
    await assert.rejects(client.presence('news:1'), isCode(ErrorCode.Unsupported));
    assert.deepEqual(server.presence('room:nobody'), { users: 0, connections: 0, members: [] });
    assert.throws(() => server.presence('news:1'), (err: unknown) => (err as { code?: number }).code === ErrorCode.Unsupported);
  });

  test('topics without presence get no Join or Leave', async () => {
    const quiet = await userClient(url, 'dave');
    const seen = watch(quiet);
    await quiet.subscribe('news:2', () => {});
    const other = await userClient(url, 'erin');
    await other.subscribe('news:2', () => {});
    const otherId = other.connectionId!;
    other.close();
    await waitFor(() => !server.clients.has(otherId), 3000, 'the server to see erin closed');
    // A presence topic as a barrier: its Join reaches `quiet` after anything sent before it.
    await quiet.subscribe('room:barrier', () => {});
    await waitFor(() => seen.joins.length === 1, 3000, 'the barrier join');
    assert.deepEqual(seen.joins.map((event) => event.topic), ['room:barrier']);
    assert.deepEqual(seen.leaves, []);
  });

  test('GET /api/presence/:topic for backends: counts and members, 404 when presence is off, 400 for a bad topic', async () => {
    const frank1 = await userClient(url, 'frank', { avatar: 'f.png' });
    const frank2 = await userClient(url, 'frank', { avatar: 'f.png' });
    await frank1.subscribe('room:api', () => {});
    await frank2.subscribe('room:api', () => {});
    const res = await fetch(`${http}/api/presence/${encodeURIComponent('room:api')}`);
    assert.equal(res.status, 200);
    const body = (await res.json()) as { topic: string; users: number; connections: number; members: unknown[] };
    assert.equal(body.topic, 'room:api');
    assert.equal(body.users, 1);
    assert.equal(body.connections, 2);
    assert.deepEqual(body.members, [
      { userId: 'frank', connectionId: frank1.connectionId, info: { avatar: 'f.png' } },
      { userId: 'frank', connectionId: frank2.connectionId, info: { avatar: 'f.png' } },
    ]);
    const off = await fetch(`${http}/api/presence/news%3A1`);
    assert.equal(off.status, 404);
    assert.equal(((await off.json()) as { code: string }).code, 'NOT_FOUND');
    const invalid = await fetch(`${http}/api/presence/bad%20topic`);
    assert.equal(invalid.status, 400);
    assert.equal(((await invalid.json()) as { code: string }).code, 'INVALID_TOPIC');
  });
});

describe('presence with anonymous connections', async () => {
  const { url } = await startServer({ presence: true });

  test('every anonymous connection is its own member', async () => {
    const first = connectClient(url);
    const seen = watch(first);
    await first.subscribe('lobby', () => {});
    const second = connectClient(url, { format: 'json' });
    await second.subscribe('lobby', () => {});
    await waitFor(() => seen.joins.length === 2, 3000, 'two joins');
    assert.deepEqual(
      seen.joins.map((event) => event.connectionId),
      [first.connectionId, second.connectionId],
    );
    const info = await second.presence('lobby');
    assert.equal(info.users, 2);
    assert.equal(info.connections, 2);
    second.close();
    await waitFor(() => seen.leaves.length === 1, 3000, 'a leave');
    assert.deepEqual(seen.leaves[0], { topic: 'lobby', connectionId: seen.joins[1]!.connectionId, userId: null });
  });
});
