/**
 * Options that only matter if they reach the engine: a namespace's history `ttlMs` (end to end,
 * through the history API and a recovering subscriber) and the server's `idempotencyWindowMs`.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Kind, type ReplyFrame, type TopicPosition } from '../../src/protocol/index.js';
import { RawClient } from '../helpers/raw-client.js';
import { sleep, startServer } from '../helpers/server.js';

describe('retention and idempotency options reach the engine', async () => {
  // Windows a loaded box can still act inside: the "still there" halves are asserted only when the
  // second step really came within the window (on a busy box it may not, and then the window has
  // rightly passed); sleeping past a window is the behaviour under test, not an oracle.
  const WINDOW_MS = 400;
  const { server, url, http } = await startServer({ idempotencyWindowMs: WINDOW_MS, namespaces: { 'brief:': { history: { size: 100, ttlMs: WINDOW_MS } } } });

  test('a namespace history ttlMs: expired publications are neither listed nor replayed', async () => {
    const { epoch } = await server.history('brief:1');
    const publishedAt = Date.now();
    await server.publish('brief:1', 'old');
    const listed = (await (await fetch(`${http}/api/history/brief%3A1`)).json()) as { publications: unknown[] };
    if (Date.now() - publishedAt < WINDOW_MS) assert.equal(listed.publications.length, 1, 'listed within its ttlMs');
    await sleep(WINDOW_MS + 200);
    const later = (await (await fetch(`${http}/api/history/brief%3A1`)).json()) as { publications: unknown[]; seq: number };
    assert.deepEqual([later.publications.length, later.seq], [0, 1], 'expired, but the stream keeps its seq');
    const raw = await RawClient.connect(url);
    raw.send({ kind: Kind.Subscribe, id: 1, topics: ['brief:1'], positions: { 'brief:1': { epoch, seq: 0 } } });
    const answer = ((await raw.answer(1)) as ReplyFrame).data as Record<string, TopicPosition>;
    assert.deepEqual(answer['brief:1'], { epoch, seq: 1, recovered: false });
    raw.close();
  });

  test('idempotencyWindowMs: a key is a duplicate inside the window and publishes again after it', async () => {
    const firstAt = Date.now();
    assert.equal(await server.publish('idem', 1, { idempotencyKey: 'k' }), 1);
    const again = await server.publish('idem', 1, { idempotencyKey: 'k' });
    if (Date.now() - firstAt < WINDOW_MS) assert.equal(again, 1, 'inside the window: the first seq');
    await sleep(WINDOW_MS + 200);
    assert.equal(await server.publish('idem', 1, { idempotencyKey: 'k' }), again + 1, 'after the window: published again');
  });
});
