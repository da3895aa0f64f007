/**
 * What a publish answers when Redis fails, and whether that answer is true. A command that reached
 * the wire may still run (a stopped Redis runs it after SIGCONT), so its caller must hear "outcome
 * unknown, retry with the same idempotency key", never "nothing was published"; a command that was
 * provably never sent (connection known down, breaker open) may say "nothing was published", and
 * then nothing may appear later. Every path is checked: HTTP, the server library, client Publish.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { SwitchboardClient } from '../../src/client/index.js';
import { ErrorCode } from '../../src/protocol/codes.js';
import { RedisEngine } from '../../src/server/engine/redis/redis-engine.js';
import { connectClient } from '../helpers/clients.js';
import { redisMissing, startRedis, type TestRedis } from '../helpers/redis.js';
import { postJson, startServer, waitFor, type TestServer } from '../helpers/server.js';

async function follow(client: SwitchboardClient, topic: string): Promise<unknown[]> {
  const data: unknown[] = [];
  await client.subscribe(topic, (value) => data.push(value));
  return data;
}

async function nodeOn(redis: TestRedis): Promise<TestServer & { engine: RedisEngine }> {
  const engine = new RedisEngine({ url: redis.url, commandTimeoutMs: 500, lingerMs: 100 });
  // Clients may publish to o:* (the default namespace lets only the server and the HTTP API).
  return { ...(await startServer({ engine, namespaces: { 'o:': { subscribe: 'anyone', publish: 'anyone' } } })), engine };
}

/** POST /api/publish keeping the headers (Retry-After) as well. */
async function publish(node: TestServer, body: unknown) {
  const res = await fetch(`${node.http}/api/publish`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as { ok?: boolean; seq?: number; duplicate?: boolean; code?: string; error?: string } };
}

/** The code of a rejection (LimitError from the library, RemoteError from the SDK). */
async function codeOf(promise: Promise<unknown>): Promise<number | string> {
  try {
    await promise;
    return 'resolved';
  } catch (err) {
    return (err as { code?: number }).code ?? String(err);
  }
}

describe('Redis publish outcomes', { skip: redisMissing }, async () => {
  if (redisMissing !== undefined) return;

  test('Redis stopped (SIGSTOP) during a publish: the answer is "outcome unknown", the publication is applied after SIGCONT, a retry with the same key does not duplicate', async () => {
    const redis = await startRedis();
    const node = await nodeOn(redis);
    const seen = await follow(connectClient(node.url), 'o:stop');
    const publisher = connectClient(node.url);
    await publisher.subscribe('o:other', () => {});
    assert.equal((await publish(node, { topic: 'o:stop', data: 1 })).status, 200);
    await waitFor(() => seen.length === 1, 5000, 'the first publication');

    await redis.kill('SIGSTOP');
    // All three are on the wire before the first times out: none of them can say "not published".
    const [http, library, frame] = await Promise.all([
      publish(node, { topic: 'o:stop', data: 2, idempotencyKey: 'k-2' }),
      codeOf(node.server.publish('o:stop', 3, { idempotencyKey: 'k-3' })),
      codeOf(publisher.publish('o:stop', 4, { ack: true, timeoutMs: 10_000 })),
    ]);
    assert.equal(http.status, 504, JSON.stringify(http.body));
    assert.equal(http.body.code, 'PUBLISH_OUTCOME_UNKNOWN');
    assert.match(http.body.error ?? '', /same idempotency key/);
    assert.equal(http.retryAfter, '1');
    assert.equal(library, ErrorCode.PublishOutcomeUnknown, 'server.publish() rejects with the same code');
    assert.equal(frame, ErrorCode.PublishOutcomeUnknown, 'a client Publish gets an Error frame with the same code');

    await redis.kill('SIGCONT');
    await waitFor(() => node.engine.ready(), 10_000, 'engine ready again');
    // The stalled commands were in Redis's socket buffer: they ran after all.
    await waitFor(() => [2, 3, 4].every((n) => seen.includes(n)), 10_000, 'the stalled publications, applied after SIGCONT');

    const retried = await publish(node, { topic: 'o:stop', data: 2, idempotencyKey: 'k-2' });
    assert.equal(retried.status, 200);
    assert.equal(retried.body.duplicate, true, 'the retry with the same key publishes nothing');
    const retriedLibrary = await node.server.publish('o:stop', 3, { idempotencyKey: 'k-3' });
    assert.ok(retriedLibrary > 1);
    assert.equal((await publish(node, { topic: 'o:stop', data: 5 })).status, 200);
    await waitFor(() => seen.includes(5), 5000, 'the marker');
    assert.deepEqual([...seen].sort(), [1, 2, 3, 4, 5], 'each publication exactly once');
  });

  test('connection known down or breaker open: 503 ENGINE_UNAVAILABLE "nothing was published", and nothing appears later', async () => {
    const redis = await startRedis({ persist: true });
    const node = await nodeOn(redis);
    const seen = await follow(connectClient(node.url), 'o:down');

    // Connection down: Redis killed, the node knows it.
    await redis.kill('SIGKILL');
    await waitFor(() => !node.engine.ready(), 10_000, 'the node sees Redis gone');
    const down = await publish(node, { topic: 'o:down', data: 'down', idempotencyKey: 'k-down' });
    assert.equal(down.status, 503);
    assert.equal(down.body.code, 'ENGINE_UNAVAILABLE');
    assert.match(down.body.error ?? '', /nothing was published/);
    await redis.restart();
    await waitFor(() => node.engine.ready(), 10_000, 'engine ready after restart');

    // Breaker open: Redis stopped; once the node stopped sending, answers are "not published".
    await redis.kill('SIGSTOP');
    const first = await publish(node, { topic: 'o:down', data: 'sent' });
    assert.equal(first.status, 504, 'the command that reached the wire is "unknown"');
    await waitFor(() => !node.engine.ready(), 10_000, 'the node stops sending');
    const refused = await publish(node, { topic: 'o:down', data: 'refused', idempotencyKey: 'k-refused' });
    assert.equal(refused.status, 503);
    assert.equal(refused.body.code, 'ENGINE_UNAVAILABLE');
    assert.equal(await codeOf(node.server.publish('o:down', 'refused-library')), ErrorCode.EngineUnavailable);
    await redis.kill('SIGCONT');
    await waitFor(() => node.engine.ready(), 10_000, 'engine ready after SIGCONT');

    const marker = await postJson(`${node.http}/api/publish`, { topic: 'o:down', data: 'marker' });
    assert.equal(marker.status, 200);
    await waitFor(() => seen.includes('marker'), 10_000, 'the marker').catch((err: unknown) => {
      throw new Error(`${(err as Error).message}: the follower saw ${JSON.stringify(seen)}; engine ready ${node.engine.ready()}`, { cause: err });
    });
    assert.deepEqual(seen, ['sent', 'marker'], 'what was answered 503 never appeared; what was answered 504 did');
  });
});
