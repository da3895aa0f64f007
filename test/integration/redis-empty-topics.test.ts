/**
 * Never-published topics on the Redis engine: a stranger's Subscribe, History or HTTP history read
 * of an unknown name writes no key (it used to leave an epoch key for 7 days), and a subscriber
 * that arrived before a topic's first publication still learns the topic's real epoch (the empty
 * epoch '' is answered, then announced by a Gap notice at seq 0), so its reconnect recovers exactly.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Kind, type GapFrame, type MessageFrame, type ReplyFrame, type TopicPosition } from '../../src/protocol/index.js';
import { RedisEngine } from '../../src/server/engine/redis/redis-engine.js';
import { connectClient } from '../helpers/clients.js';
import { RawClient } from '../helpers/raw-client.js';
import { redisMissing, startRedis } from '../helpers/redis.js';
import { sleep, startServer, waitFor } from '../helpers/server.js';

describe('Redis engine: never-published topics', { skip: redisMissing }, async () => {
  if (redisMissing !== undefined) return;
  const redis = await startRedis();
  // Each topic of a Subscribe frame counts against messagesPerSecond; 1,000 names in ten frames of
  // 100 would close the reader (4002) long before it has made its point about keys.
  const { server, url, http } = await startServer({ engine: new RedisEngine({ url: redis.url }), messagesPerSecond: 10_000 });
  const other = await startServer({ engine: new RedisEngine({ url: redis.url }) });
  const dbsize = () => Number(redis.cli('DBSIZE'));

  test('1,000 reads of unknown topics (Subscribe, History, HTTP history) create no Redis key', async () => {
    const before = dbsize();
    const raw = await RawClient.connect(url);
    for (let i = 0; i < 1000; i += 100) {
      const topics = Array.from({ length: 100 }, (_, j) => `unknown.${i + j}`);
      raw.send({ kind: Kind.Subscribe, id: i + 1, topics });
      const answers = ((await raw.answer(i + 1)) as ReplyFrame).data as Record<string, TopicPosition>;
      assert.equal(answers[topics[0]!]!.seq, 0);
      raw.send({ kind: Kind.History, id: i + 2, topic: topics[1]!, epoch: 'lost', seq: 7 });
      assert.equal((((await raw.answer(i + 2)) as ReplyFrame).data as TopicPosition).recovered, false);
      raw.send({ kind: Kind.Unsubscribe, id: i + 3, topics });
      await raw.answer(i + 3);
      const res = await fetch(`${http}/api/topics/unknown.http.${i}`);
      assert.equal(res.status, 200);
    }
    raw.close();
    assert.equal(dbsize(), before, 'DBSIZE unchanged');
    const answer = await server.history('unknown.0');
    assert.deepEqual([answer.epoch, answer.seq], ['', 0], 'the empty position');
  });

  test('subscribed before the first publication: the SDK learns the epoch from the Gap notice, and a reconnect from its position recovers exactly', async () => {
    const client = connectClient(url);
    const seen: number[] = [];
    await client.subscribe('born', (data) => seen.push(data as number));
    for (let i = 1; i <= 3; i++) await server.publish('born', i);
    await waitFor(() => seen.length === 3, 5000, 'three live messages');
    const top = await server.history('born');
    assert.notEqual(top.epoch, '');
    assert.deepEqual(client.position('born'), { epoch: top.epoch, seq: 3 }, 'the position names the real epoch');
    const position = client.position('born')!;
    client.close();
    for (let i = 4; i <= 5; i++) await server.publish('born', i);

    const back = await RawClient.connect(url);
    back.send({ kind: Kind.Subscribe, id: 1, topics: ['born'], positions: { born: position } });
    const answer = (((await back.answer(1)) as ReplyFrame).data as Record<string, TopicPosition>)['born']!;
    assert.deepEqual(answer, { epoch: top.epoch, seq: 5, recovered: true });
    assert.deepEqual(back.frames.filter((f) => f.kind === Kind.Message).map((f) => (f as { seq: number }).seq), [4, 5]);
    back.close();
  });

  test('subscribing while another node makes a topic\'s first publications: every subscriber learns the real epoch and gets each seq once from its answer on', async () => {
    const topics = Array.from({ length: 20 }, (_, i) => `race.${i}`);
    const clients = await Promise.all(topics.map(() => RawClient.connect(url)));
    // The subscriptions are on their way when the first publications start, a little later for each
    // topic: some reads answer before the first epoch exists, some after, some while it begins.
    topics.forEach((topic, i) => clients[i]!.send({ kind: Kind.Subscribe, id: 1, topics: [topic] }));
    const publishing = Promise.all(topics.map(async (topic, i) => {
      await sleep(i * 4);
      for (let n = 1; n <= 30; n++) await other.server.publish(topic, n);
    }));
    const answers = await Promise.all(topics.map(async (topic, i) => (((await clients[i]!.answer(1)) as ReplyFrame).data as Record<string, TopicPosition>)[topic]!));
    await publishing;
    for (const [i, topic] of topics.entries()) {
      const client = clients[i]!;
      await client.next((f) => f.kind === Kind.Message && f.seq === 30, 10_000);
      const { epoch } = await server.history(topic);
      const answer = answers[i]!;
      // Answered the empty epoch: the Gap notice at seq 0 names the real one. Otherwise the answer did.
      const notice = client.frames.find((f): f is GapFrame => f.kind === Kind.Gap);
      const learned = answer.epoch === '' ? notice?.epoch : answer.epoch;
      assert.equal(learned, epoch, `${topic}: the client knows the topic's epoch (answer ${JSON.stringify(answer)})`);
      if (answer.epoch === '') assert.equal(notice?.seq, 0);
      const seqs = [...client.frames.filter((f): f is MessageFrame => f.kind === Kind.Message).map((m) => m.seq), 30];
      // Publications held during the read go out before the Reply, which then answers the last of them.
      const first = seqs[0]!;
      assert.ok(first <= answer.seq + 1, `${topic}: nothing skipped between the answer and live (first ${first}, answered ${answer.seq})`);
      assert.deepEqual(seqs, Array.from({ length: 31 - first }, (_, k) => first + k), `${topic}: each seq once, in order`);
      client.close();
    }
  });
});
