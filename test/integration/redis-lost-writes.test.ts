/**
 * Redis lost writes it had acknowledged: restarted from an older RDB snapshot (as after a failover
 * to a lagging replica, or a crash with `appendfsync everysec`), or a durable Redis whose AOF was
 * put back to an older copy. The topic must start a new epoch and every follower must be told
 * (a Gap, reason 'epoch'); seqs clients already saw are never silently issued again, and recovery
 * never answers `recovered: true` across the loss. Real redis-server, real kill -9, real files.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { SwitchboardClient } from '../../src/client/index.js';
import { Kind, type ReplyFrame, type TopicPosition } from '../../src/protocol/index.js';
import { RedisEngine } from '../../src/server/engine/redis/redis-engine.js';
import { connectClient } from '../helpers/clients.js';
import { RawClient } from '../helpers/raw-client.js';
import { redisMissing, startNode, startRedis, type TestRedis } from '../helpers/redis.js';
import { postJson, startServer, waitFor, type TestServer } from '../helpers/server.js';

async function collect(client: SwitchboardClient, topic: string) {
  const data: number[] = [];
  const seqs: number[] = [];
  const gaps: Array<{ reason: string; epoch: string }> = [];
  client.on('gap', (gap) => gap.topic === topic && gaps.push(gap));
  await client.subscribe(topic, (value, context) => {
    data.push(value as number);
    seqs.push(context.seq);
  });
  return { data, seqs, gaps };
}

async function nodeOn(redis: TestRedis): Promise<TestServer & { engine: RedisEngine }> {
  const engine = new RedisEngine({ url: redis.url, commandTimeoutMs: 1000, lingerMs: 100 });
  return { ...(await startServer({ engine })), engine };
}

/** Publishes `from..to` in order, alternating nodes; each one retried until Redis takes it (it may be restarting). */
async function publishRange(nodes: ReadonlyArray<{ http: string }>, topic: string, from: number, to: number): Promise<void> {
  for (let n = from; n <= to; n++) {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const res = await postJson(`${nodes[n % nodes.length]!.http}/api/publish`, { topic, data: n });
      if (res.status === 200) break;
      assert.equal(res.status, 503, JSON.stringify(res.body));
      if (Date.now() > deadline) throw new Error(`publish ${n} still refused after 10 s`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

async function subscribeRaw(url: string, topic: string, position: { epoch: string; seq: number }): Promise<TopicPosition> {
  const client = await RawClient.connect(url);
  try {
    client.send({ kind: Kind.Subscribe, id: 1, topics: [topic], positions: { [topic]: position } });
    const answer = await client.answer(1, 10_000);
    assert.equal(answer.kind, Kind.Reply, JSON.stringify(answer));
    return ((answer as ReplyFrame).data as Record<string, TopicPosition>)[topic]!;
  } finally {
    client.close();
  }
}

describe('Redis lost acknowledged writes', { skip: redisMissing }, async () => {
  if (redisMissing !== undefined) return;

  test('Redis restarted from an older snapshot: a client that stayed connected gets a gap (reason epoch) and every later publication', async () => {
    const redis = await startRedis();
    const node = await nodeOn(redis);
    const follower = await collect(connectClient(node.url), 'lw:stay');
    await publishRange([node], 'lw:stay', 1, 10);
    const snapshot = redis.snapshot();
    await publishRange([node], 'lw:stay', 11, 20);
    await waitFor(() => follower.data.length === 20, 5000, 'the first 20');
    await redis.restartFrom(snapshot);
    await waitFor(() => node.engine.ready(), 10_000, 'engine ready again');
    await publishRange([node], 'lw:stay', 21, 30);
    await waitFor(() => follower.gaps.length > 0 && follower.data.includes(30), 10_000, 'a gap and the publications after the restart');
    assert.equal(follower.gaps[0]!.reason, 'epoch');
    assert.deepEqual(follower.data, range(1, 30), 'every publication once, in order');
  });

  test('Redis restarted from an older snapshot: a client reconnecting with its old position is told recovered: false', async () => {
    const redis = await startRedis();
    const node = await nodeOn(redis);
    const client = connectClient(node.url);
    const follower = await collect(client, 'lw:back');
    await publishRange([node], 'lw:back', 1, 10);
    const snapshot = redis.snapshot();
    await publishRange([node], 'lw:back', 11, 20);
    await waitFor(() => follower.data.length === 20, 5000, 'the first 20');
    const position = client.position('lw:back')!;
    assert.equal(position.seq, 20);
    client.close();
    await waitFor(() => node.engine.feedStats.channels === 0, 5000, 'the node stopped following the topic');
    await redis.restartFrom(snapshot);
    await waitFor(() => node.engine.ready(), 10_000, 'engine ready again');
    // Enough publications that the re-issued seqs pass the client's position.
    await publishRange([node], 'lw:back', 21, 35);
    const answer = await subscribeRaw(node.url, 'lw:back', position);
    assert.equal(answer.recovered, false, `recovered across lost writes: ${JSON.stringify(answer)}`);
    assert.notEqual(answer.epoch, position.epoch, 'a new epoch');
  });

  test('Redis restarted from an older snapshot under two node processes: followers on both get a gap and every later publication, a bystander topic keeps receiving', async () => {
    const redis = await startRedis();
    const nodes = [await startNode(redis.url), await startNode(redis.url)];
    const followers = await Promise.all(nodes.map((node) => collect(connectClient(node.url), 'lw:two')));
    const bystanders = await Promise.all(nodes.map((node) => collect(connectClient(node.url), 'lw:bystander')));
    await publishRange(nodes, 'lw:two', 1, 10);
    const snapshot = redis.snapshot();
    await publishRange(nodes, 'lw:two', 11, 20);
    await publishRange(nodes, 'lw:bystander', 1, 5);
    await waitFor(() => followers.every((f) => f.data.length === 20) && bystanders.every((b) => b.data.length === 5), 5000, 'before the restart');
    await redis.restartFrom(snapshot);
    await publishRange(nodes, 'lw:two', 21, 30);
    await publishRange(nodes, 'lw:bystander', 6, 10);
    await waitFor(() => followers.every((f) => f.gaps.length > 0 && f.data.includes(30)), 15_000, 'gaps and the new publications on both nodes');
    await waitFor(() => bystanders.every((b) => b.data.includes(10)), 15_000, 'the bystander topic on both nodes');
    for (const f of followers) {
      assert.equal(f.gaps[0]!.reason, 'epoch');
      assert.deepEqual(f.data, range(1, 30));
    }
    for (const b of bystanders) assert.deepEqual(b.data, range(1, 10));
  });

  test('durable Redis (appendfsync always) put back to an older AOF: a follower ahead of Redis forces a new epoch and a gap', async () => {
    const redis = await startRedis({ persist: true });
    const node = await nodeOn(redis);
    const follower = await collect(connectClient(node.url), 'lw:aof');
    await publishRange([node], 'lw:aof', 1, 10);
    const snapshot = redis.snapshot();
    await publishRange([node], 'lw:aof', 11, 20);
    await waitFor(() => follower.data.length === 20, 5000, 'the first 20');
    assert.match(redis.cli('HGET', '{sb:lw:aof}:meta', 'g'), /^[0-9a-f]{40}\+$/, 'stamped by a Redis trusted to keep what it acknowledged');
    await redis.restartFrom(snapshot);
    // Nothing is published: the node's own position (20, Redis now says 10) is the proof of loss.
    await waitFor(() => follower.gaps.length > 0, 10_000, 'a gap once the node reconciled with Redis');
    await publishRange([node], 'lw:aof', 21, 30);
    await waitFor(() => follower.data.includes(30), 10_000, 'the publications after the restart');
    assert.equal(follower.gaps[0]!.reason, 'epoch');
    assert.deepEqual(follower.data, range(1, 30));
  });

  test('a Redis user that may not run INFO: the engine refuses to start rather than run blind to restarts', async () => {
    const redis = await startRedis();
    assert.equal(redis.cli('ACL', 'SETUSER', 'blind', 'on', '>pw', '~*', '&*', '+@all', '-info'), 'OK');
    const engine = new RedisEngine({ url: `redis://blind:pw@127.0.0.1:${redis.port}`, commandTimeoutMs: 1000 });
    await assert.rejects(startServer({ engine }), /NOPERM|info/i);
  });

  test('a durable Redis that refuses CONFIG is not trusted: a kill -9 and restart (nothing lost) still starts a new epoch, with a gap', async () => {
    const redis = await startRedis({ persist: true });
    // ACL users are not data: the restarted Redis needs the user again (the node retries until then).
    const managedUser = () => assert.equal(redis.cli('ACL', 'SETUSER', 'managed', 'on', '>pw', '~*', '&*', '+@all', '-config'), 'OK');
    managedUser();
    const engine = new RedisEngine({ url: `redis://managed:pw@127.0.0.1:${redis.port}`, commandTimeoutMs: 1000, lingerMs: 100 });
    const node = { ...(await startServer({ engine })), engine };
    const follower = await collect(connectClient(node.url), 'lw:managed');
    await publishRange([node], 'lw:managed', 1, 10);
    await waitFor(() => follower.data.length === 10, 5000, 'the first 10');
    assert.match(redis.cli('HGET', '{sb:lw:managed}:meta', 'g'), /^[0-9a-f]{40}-$/, 'stamped as not trusted');
    await redis.kill('SIGKILL');
    await redis.restart();
    managedUser();
    await waitFor(() => follower.gaps.length > 0, 10_000, 'a gap once the node reconciled with Redis');
    assert.equal(follower.gaps[0]!.reason, 'epoch');
    await publishRange([node], 'lw:managed', 11, 15);
    await waitFor(() => follower.data.includes(15), 10_000, 'the publications after the restart');
    assert.deepEqual(follower.data, range(1, 15));
  });

  test('two nodes that judge one durable Redis differently (one may not run CONFIG) share its epochs: no renewal back and forth', async () => {
    const redis = await startRedis({ persist: true });
    assert.equal(redis.cli('ACL', 'SETUSER', 'managed', 'on', '>pw', '~*', '&*', '+@all', '-config'), 'OK');
    const trusting = await nodeOn(redis);
    const engine = new RedisEngine({ url: `redis://managed:pw@127.0.0.1:${redis.port}`, commandTimeoutMs: 1000, lingerMs: 100 });
    const doubting = { ...(await startServer({ engine })), engine };
    const follower = await collect(connectClient(trusting.url), 'lw:mixed');
    await publishRange([trusting, doubting], 'lw:mixed', 1, 20);
    await waitFor(() => follower.data.length === 20, 5000, 'all 20');
    assert.deepEqual(follower.gaps, []);
    assert.deepEqual(follower.seqs, range(1, 20), 'one epoch, seqs 1..20');
  });

  test('after a restart, publishes are refused as not sent (503 ENGINE_UNAVAILABLE, /readyz 503) until the node could read which Redis it talks to', async () => {
    const redis = await startRedis();
    const user = (info: '+info' | '-info') => assert.equal(redis.cli('ACL', 'SETUSER', 'ops', 'on', '>pw', '~*', '&*', '+@all', info), 'OK');
    user('+info');
    const engine = new RedisEngine({ url: `redis://ops:pw@127.0.0.1:${redis.port}`, commandTimeoutMs: 1000, lingerMs: 100 });
    const node = { ...(await startServer({ engine })), engine };
    await publishRange([node], 'lw:blind', 1, 3);
    await redis.kill('SIGKILL');
    await redis.restart();
    user('-info'); // the node reconnects, but cannot read the new server's identity
    await waitFor(() => / name=switchboard /.test(` ${redis.cli('CLIENT', 'LIST')}`), 10_000, 'the command connection back');
    const deadline = Date.now() + 2000; // a few reconnect and re-read attempts
    while (Date.now() < deadline) {
      const refused = await postJson(`${node.http}/api/publish`, { topic: 'lw:blind', data: 0 });
      assert.equal(refused.status, 503, JSON.stringify(refused.body));
      assert.equal(refused.body.code, 'ENGINE_UNAVAILABLE');
      assert.equal((await fetch(`${node.http}/readyz`)).status, 503);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.equal(redis.cli('HGET', '{sb:lw:blind}:meta', 'e'), '', 'nothing was published');
    user('+info');
    await waitFor(() => node.engine.ready(), 10_000, 'ready once the identity is read');
    const res = await postJson(`${node.http}/api/publish`, { topic: 'lw:blind', data: 4 });
    assert.equal(res.status, 200);
  });
});
