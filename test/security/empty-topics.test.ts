/**
 * Strangers reading topic names that were never published: anonymous sockets churning through
 * 160,000 unique names (subscribe, unsubscribe) must not create retained state, so they cannot
 * push a real topic's history out of the memory budget. Default limits and budget: what any
 * anonymous client may do against a default server.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Kind, type MessageFrame, type ReplyFrame, type TopicPosition } from '../../src/protocol/index.js';
import { MemoryEngine } from '../../src/server/index.js';
import { startBystander } from '../helpers/bystander.js';
import { RawClient } from '../helpers/raw-client.js';
import { startServer } from '../helpers/server.js';

const NAMES = 160_000;
const SOCKETS = 32;
// Names of 110 bytes: 160,000 of them weighed ~83 MB in the old per-topic estimate, past the 64 MiB budget.
const PADDING = 'x'.repeat(100);
// 500 names (55 KB) per frame, under maxPayloadBytes (64 KiB); each socket stays within its default byte burst (2 MiB).
const PER_FRAME = 500;

/** One anonymous socket subscribing to and leaving `count` unique names, 500 per frame. */
async function churn(url: string, socket: number, count: number): Promise<void> {
  const raw = await RawClient.connect(url);
  for (let sent = 0, id = 1; sent < count; sent += PER_FRAME) {
    const topics = Array.from({ length: Math.min(PER_FRAME, count - sent) }, (_, i) => `s${socket}.${sent + i}.${PADDING}`);
    raw.send({ kind: Kind.Subscribe, id, topics });
    assert.equal((await raw.answer(id++, 20_000)).kind, Kind.Reply);
    raw.send({ kind: Kind.Unsubscribe, id, topics });
    assert.equal((await raw.answer(id++, 20_000)).kind, Kind.Reply);
  }
  raw.close();
}

describe('never-published topics cost nothing retained', async () => {
  // The engine a default server builds (64 MiB history budget), held here to count its topics.
  const engine = new MemoryEngine();
  // Each topic of a Subscribe frame counts against messagesPerSecond, so at the default (100/s) 32
  // sockets would need minutes for 160,000 names: the limit is raised to make the point about
  // retained state quickly (an attacker with many addresses gets the same churn).
  const { server, url } = await startServer({ engine, messagesPerSecond: 1_000_000 });
  const bystander = await startBystander(server, url);

  test('160,000 unique names subscribed and left by anonymous sockets do not evict a real topic: it still recovers exactly', { timeout: 120_000 }, async () => {
    // A client followed `orders` before its first publication, then went away.
    const before = await RawClient.connect(url);
    before.send({ kind: Kind.Subscribe, id: 1, topics: ['orders'] });
    const empty = (((await before.answer(1)) as ReplyFrame).data as Record<string, TopicPosition>)['orders']!;
    before.close();
    for (let i = 1; i <= 50; i++) await server.publish('orders', i);

    const topicsBefore = engine.history.topics;
    await Promise.all(Array.from({ length: SOCKETS }, (_, socket) => churn(url, socket, NAMES / SOCKETS)));

    const back = await RawClient.connect(url);
    back.send({ kind: Kind.Subscribe, id: 1, topics: ['orders'], positions: { orders: { epoch: empty.epoch, seq: empty.seq } } });
    const answer = (((await back.answer(1)) as ReplyFrame).data as Record<string, TopicPosition>)['orders']!;
    assert.deepEqual({ seq: answer.seq, recovered: answer.recovered }, { seq: 50, recovered: true });
    const replayed = back.frames.filter((f): f is MessageFrame => f.kind === Kind.Message && f.topic === 'orders');
    assert.deepEqual(replayed.map((m) => m.seq), Array.from({ length: 50 }, (_, i) => i + 1), 'all 50 publications, in order, once');
    back.close();
    assert.equal(engine.history.topics, topicsBefore, 'no state was created for the strangers\' names');
    await bystander.check();
  });
});
