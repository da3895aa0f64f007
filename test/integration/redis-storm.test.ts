/**
 * A node that follows thousands of topics loses its subscriber connection (`CLIENT KILL TYPE
 * pubsub`): when it comes back, every followed topic must reconcile with its stream, but not all
 * at once, or the node hammers Redis with thousands of reads (and its publishes wait behind them).
 * The feeds' reads in flight are counted (RedisEngine.feedStats.feedReads) and must never exceed
 * the bound; every feed must be live again afterwards and nothing published meanwhile may be lost.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RedisEngine } from '../../src/server/engine/redis/redis-engine.js';
import { connectClient } from '../helpers/clients.js';
import { publishSurely, redisMissing, startRedis } from '../helpers/redis.js';
import { startServer, waitFor } from '../helpers/server.js';

const TOPICS = 5000;
const SAMPLE = 20;

describe('Redis reconnect storms', { skip: redisMissing }, async () => {
  if (redisMissing !== undefined) return;

  test(`CLIENT KILL TYPE pubsub on a node following ${TOPICS} topics: reconcile reads stay bounded, every feed is live again, nothing published meanwhile is lost`, async () => {
    const redis = await startRedis();
    const engine = new RedisEngine({ url: redis.url, lingerMs: 60_000 });
    const node = await startServer({ engine, maxSubscriptions: TOPICS, messagesPerSecond: 0 });
    const topics = Array.from({ length: TOPICS }, (_, i) => `s:${i}`);
    const got = new Map<string, unknown[]>(topics.map((topic) => [topic, []]));
    const client = connectClient(node.url, { maxQueued: TOPICS * 2 });
    // Followed 500 at a time: the storm under test is the reconnect, not this first burst (each
    // subscribe waits at most commandTimeoutMs for its channel, which a loaded box can miss).
    for (let i = 0; i < TOPICS; i += 500) {
      await Promise.all(topics.slice(i, i + 500).map((topic) => client.subscribe(topic, (data) => got.get(topic)!.push(data))));
    }
    await waitFor(() => engine.feedStats.channels === TOPICS, 30_000, 'every topic followed');

    redis.cli('CLIENT', 'KILL', 'TYPE', 'pubsub');
    // Published while the node resubscribes and reconciles: only the reconcile can bring some of them.
    const sample = topics.filter((_, i) => i % (TOPICS / SAMPLE) === 7);
    for (let n = 1; n <= 3; n++) await Promise.all(sample.map((topic) => publishSurely(node.server, topic, `${topic}#${n}`, `${topic}#${n}`)));
    await waitFor(() => engine.ready() && engine.feedStats.reconciling === 0, 60_000, 'every feed reconciled');

    // One publish per topic, retried with its key if a starved box misses commandTimeoutMs.
    await Promise.all(topics.map((topic) => publishSurely(node.server, topic, 'after', `after:${topic}`)));
    await waitFor(() => topics.every((topic) => got.get(topic)!.includes('after')), 60_000, 'a publication on every topic after the reconnect');
    for (const topic of sample) assert.deepEqual(got.get(topic), [`${topic}#1`, `${topic}#2`, `${topic}#3`, 'after'], topic);
    for (const topic of topics) if (!sample.includes(topic)) assert.deepEqual(got.get(topic), ['after'], topic);

    const { peak, max } = engine.feedStats.feedReads;
    assert.ok(peak <= max && peak <= 64, `feed reads in flight peaked at ${peak} (bound ${max}, and at most 64 whatever the bound)`);
  });
});
