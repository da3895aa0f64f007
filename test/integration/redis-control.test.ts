/**
 * User commands across nodes on one real redis-server: the HTTP control API and the library's
 * `subscribeUser`/`unsubscribeUser`/`disconnectUser` act on a user's connections on every node,
 * and a node whose subscriber connection was down when a command was sent still runs it once it
 * is back (the fault proxy, test/helpers/fault-proxy.ts, keeps that node's subscriber away).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SignJWT } from 'jose';
import { CloseCode, Kind, type MessageFrame } from '../../src/protocol/index.js';
import { RedisEngine } from '../../src/server/engine/redis/redis-engine.js';
import { startFaultProxy } from '../helpers/fault-proxy.js';
import { RawClient } from '../helpers/raw-client.js';
import { redisMissing, startRedis } from '../helpers/redis.js';
import { postJson, startServer, waitFor, type TestServer } from '../helpers/server.js';

const secret = 'redis-control-secret-0123456789';
const sign = (sub: string) =>
  new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(sub).setExpirationTime('1h').sign(new TextEncoder().encode(secret));

async function rawUser(url: string, user: string): Promise<RawClient> {
  return RawClient.connect(`${url}?token=${await sign(user)}`);
}

async function node(url: string): Promise<TestServer & { engine: RedisEngine }> {
  const engine = new RedisEngine({ url, commandTimeoutMs: 500, pingIntervalMs: 200, lingerMs: 100 });
  return { ...(await startServer({ engine, jwtSecret: secret })), engine };
}

const isSub = (c: { hello: string }) => c.hello.includes('switchboard-sub');

describe('Redis cluster control', { skip: redisMissing }, async () => {
  if (redisMissing !== undefined) return;

  test('/api/disconnect sent while node B\'s subscriber connection is down: the user\'s socket on B is closed once B is back', async () => {
    const redis = await startRedis();
    const proxy = await startFaultProxy(redis.port);
    const a = await node(redis.url);
    const b = await node(proxy.url);
    const banned = await rawUser(b.url, 'mallory');
    const bystander = await rawUser(b.url, 'bob');
    // B's subscriber connection is cut and refused until healed; its command connection works.
    proxy.set({ kind: 'reset' }, isSub);
    await waitFor(() => !b.engine.ready(), 5000, 'B notices its subscriber connection is gone');
    const kicked = await postJson(`${a.http}/api/disconnect`, { user: 'mallory', reason: 'banned' });
    assert.equal(kicked.status, 200);
    assert.equal(banned.closed, undefined, 'B could not hear the command while its subscriber was down');
    proxy.heal();
    const closed = await banned.closedWith(10_000);
    assert.deepEqual(closed, { code: CloseCode.Kicked, reason: 'banned' });
    assert.equal(bystander.closed, undefined, 'only the banned user is closed');
  });

  test('a command is run once per node: a node hearing it live and again from the log after a reconnect does not run it twice', async () => {
    const redis = await startRedis();
    const a = await node(redis.url);
    const b = await node(redis.url);
    const user = await rawUser(b.url, 'carol');
    const subscribed = await postJson(`${a.http}/api/subscribe`, { user: 'carol', topics: ['ctl:1'] });
    assert.deepEqual(subscribed.body, { ok: true, connections: 1 });
    await postJson(`${a.http}/api/unsubscribe`, { user: 'carol', topics: ['ctl:1'] });
    // B reconnects its subscriber and reads the log: the subscribe it already ran (and the
    // unsubscribe after it) must not run again, or carol would be subscribed once more.
    const catchUps = b.engine.cluster.catchUps;
    redis.cli('CLIENT', 'KILL', 'TYPE', 'pubsub');
    await waitFor(() => b.engine.cluster.catchUps > catchUps, 10_000, 'B read the command log after reconnecting');
    assert.equal(b.engine.cluster.replayed, 0, 'nothing B already ran is run again');
    const id = [...b.server.clients.entries()].find(([, c]) => c.userId === 'carol')![0];
    assert.deepEqual([...b.server.clients.get(id)!.topics], [], 'carol is on no topic');
    assert.equal(user.closed, undefined);
  });

  test('library subscribeUser/unsubscribeUser/disconnectUser on node A reach the user\'s connections on node B, as the HTTP API does', async () => {
    const redis = await startRedis();
    const a = await node(redis.url);
    const b = await node(redis.url);
    const erin = await rawUser(b.url, 'erin');
    const dave = await rawUser(b.url, 'dave');
    assert.equal(await a.server.subscribeUser('erin', ['lib:1']), 1, 'erin\'s one connection, on B');
    // The subscription attaches on B after the answer (as with the HTTP API): publish until it is there.
    let message: MessageFrame | undefined;
    for (let attempt = 0; message === undefined && attempt < 50; attempt++) {
      await a.server.publish('lib:1', 'hello');
      message = (await erin.next((frame) => frame.kind === Kind.Message, 200).catch(() => undefined)) as MessageFrame | undefined;
    }
    assert.equal(message?.topic, 'lib:1', 'erin on B gets lib:1');
    assert.equal(await a.server.unsubscribeUser('erin', ['lib:1']), 1);
    const id = [...b.server.clients.entries()].find(([, c]) => c.userId === 'erin')![0];
    assert.deepEqual([...b.server.clients.get(id)!.topics], []);
    assert.equal(await a.server.disconnectUser('dave', { reason: 'bye' }), 1);
    assert.deepEqual(await dave.closedWith(5000), { code: CloseCode.Kicked, reason: 'bye' });
    assert.equal(erin.closed, undefined);
  });
});
