/**
 * Filtered subscriptions by tags (docs/protocol.md §5.6) against a real server on port 0, on the
 * in-memory engine and on the Redis engine (a real redis-server, asynchronous history reads):
 * filtered and unfiltered subscribers of one topic get exactly their sets in seq order, the
 * unfiltered wire is unchanged, recovery and History replay only matches, filtering never shows
 * up as a Gap, and the documented limits are enforced on every entry point.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import WebSocket from 'ws';
import { ErrorCode, Kind, errorName, ProtocolError, Subprotocol, TagLimits, msgpackMessageFrame, packValue, type ServerFrame, type TopicPosition } from '../../src/protocol/index.js';
import type { ServerOptions } from '../../src/server/index.js';
import { RedisEngine } from '../../src/server/engine/redis/redis-engine.js';
import { connectClient } from '../helpers/clients.js';
import { RawClient } from '../helpers/raw-client.js';
import { redisMissing, startRedis } from '../helpers/redis.js';
import { postJson, startServer, waitFor } from '../helpers/server.js';

const messagesOf = (client: RawClient, topic: string) => client.frames.filter((f) => f.kind === Kind.Message && f.topic === topic).map((f) => (f.kind === Kind.Message ? f.seq : -1));
// A Gap at seq 0 names a topic's first epoch (docs/protocol.md §5.1): not a loss notice.
const gapsOf = (client: RawClient, topic: string) => client.frames.filter((f) => f.kind === Kind.Gap && f.topic === topic && f.seq !== 0);
const replyOf = async (client: RawClient, id: number) => {
  const frame = await client.answer(id);
  assert.equal(frame.kind, Kind.Reply, `request ${id} answered ${JSON.stringify(frame)}`);
  return (frame as Extract<ServerFrame, { kind: typeof Kind.Reply }>).data;
};
const errorOf = async (client: RawClient, id: number) => {
  const frame = await client.answer(id);
  assert.equal(frame.kind, Kind.Error, `request ${id} answered ${JSON.stringify(frame)}`);
  return frame as Extract<ServerFrame, { kind: typeof Kind.Error }>;
};

/** Venue of publication i (1-based): a, b, c in turn; side buy on even i. */
const venue = (i: number) => ['a', 'b', 'c'][(i - 1) % 3]!;
const tagsOf = (i: number) => ({ venue: venue(i), side: i % 2 === 0 ? 'buy' : 'sell' });

function filterCases(engineName: string, options: () => Partial<ServerOptions>): void {
  describe(`filtered subscriptions (${engineName} engine)`, async () => {
    // Clients may publish on feed: (the default rule is nobody), so the Publish frame path is tested too.
    const { server, url, http } = await startServer({ namespaces: { 'feed:': { publish: 'anyone' } }, ...options() });
    let n = 0;
    // Topics of their own per case: the Redis engine's streams outlive a case.
    const fresh = () => `feed:${engineName}.${n++}`;

    test('filtered and unfiltered subscribers on one topic get exactly their sets, in order, from every publish path; the unfiltered wire is unchanged', async () => {
      const topic = fresh();
      const all = await RawClient.connect(url);
      const venueA = await RawClient.connect(url);
      const aOrBuy = await RawClient.connect(url, { format: 'json' });
      // Raw bytes of an unfiltered subscriber: exactly the Message frames an older server sent.
      const raw = new WebSocket(url, [Subprotocol.msgpack]);
      const rawMessages: Buffer[] = [];
      raw.on('message', (data: Buffer) => rawMessages.push(data));
      await new Promise((resolve) => raw.once('message', resolve));
      raw.send(Buffer.from(packValue([1, 1, [topic]])));
      all.send({ kind: Kind.Subscribe, id: 1, topics: [topic] });
      venueA.send({ kind: Kind.Subscribe, id: 1, topics: [topic], filter: { eq: ['venue', 'a'] } });
      aOrBuy.send({ kind: Kind.Subscribe, id: 1, topics: [topic], filter: { or: [{ eq: ['venue', 'a'] }, { in: ['side', ['buy']] }] } });
      for (const client of [all, venueA, aOrBuy]) await replyOf(client, 1);
      await waitFor(() => rawMessages.length >= 2, 5000, 'the raw subscriber\'s reply');

      const publisher = await RawClient.connect(url);
      for (let i = 1; i <= 12; i++) {
        // Each path in turn: the library, the HTTP API, a client Publish frame (5th element).
        if (i % 3 === 1) await server.publish(topic, { i }, { tags: tagsOf(i) });
        else if (i % 3 === 2) assert.equal((await postJson(`${http}/api/publish`, { topic, data: { i }, tags: tagsOf(i) })).status, 200);
        else {
          publisher.send({ kind: Kind.Publish, id: i, topic, data: { i }, tags: tagsOf(i) });
          await replyOf(publisher, i);
        }
      }
      await server.publish(topic, { i: 13 }); // untagged: matches no filter
      await waitFor(() => messagesOf(all, topic).length === 13, 5000, 'every publication for the unfiltered subscriber');
      const matchA = [1, 4, 7, 10];
      const matchAOrBuy = [1, 2, 4, 6, 7, 8, 10, 12];
      await waitFor(() => messagesOf(venueA, topic).length === matchA.length && messagesOf(aOrBuy, topic).length === matchAOrBuy.length, 5000, 'the filtered sets');
      // A last unfiltered-only marker proves nothing more is on its way to the filtered ones.
      await server.publish(topic, { i: 14 }, { tags: { venue: 'z' } });
      await waitFor(() => messagesOf(all, topic).length === 14, 5000, 'the marker');
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(messagesOf(all, topic), Array.from({ length: 14 }, (_, i) => i + 1));
      assert.deepEqual(messagesOf(venueA, topic), matchA);
      assert.deepEqual(messagesOf(aOrBuy, topic), matchAOrBuy);
      const data = venueA.frames.filter((f) => f.kind === Kind.Message).map((f) => (f.kind === Kind.Message ? f.data : undefined));
      assert.deepEqual(data, matchA.map((i) => ({ i })), 'filtered subscribers get the data, and no tags, in the usual frame');
      for (const client of [venueA, aOrBuy]) assert.deepEqual(gapsOf(client, topic), [], 'filtered-out seqs are never announced as a Gap');

      await waitFor(() => rawMessages.filter((bytes) => bytes[1] === Kind.Message).length >= 14, 5000, 'raw messages');
      const rawFrames = rawMessages.filter((bytes) => bytes[1] === Kind.Message);
      const expected = Array.from({ length: 14 }, (_, i) => Buffer.from(msgpackMessageFrame(topic, i + 1, packValue({ i: i + 1 }))));
      assert.deepEqual(rawFrames, expected, 'byte for byte the Message frames of a server without tags');
      for (const client of [all, venueA, aOrBuy, publisher]) client.close();
      raw.close();
    });

    test('recovery of a filtered subscriber replays only matches, says recovered, and then goes on live', async () => {
      const topic = fresh();
      for (let i = 1; i <= 9; i++) await server.publish(topic, { i }, { tags: tagsOf(i) });
      const { epoch } = await server.history(topic);
      const client = await RawClient.connect(url);
      client.send({ kind: Kind.Subscribe, id: 1, topics: [topic], positions: { [topic]: { epoch, seq: 2 } }, filter: { eq: ['venue', 'c'] } });
      const answer = (await replyOf(client, 1)) as Record<string, TopicPosition>;
      assert.deepEqual(answer, { [topic]: { epoch, seq: 9, recovered: true } }, 'the topic\'s real position, recovered');
      assert.deepEqual(messagesOf(client, topic), [3, 6, 9], 'the matches after seq 2, before the Reply');
      await server.publish(topic, { i: 10 }, { tags: tagsOf(10) });
      await server.publish(topic, { i: 11 }, { tags: tagsOf(11) });
      await server.publish(topic, { i: 12 }, { tags: tagsOf(12) });
      await waitFor(() => messagesOf(client, topic).length === 4, 5000, 'live seq 12');
      assert.deepEqual(messagesOf(client, topic), [3, 6, 9, 12]);

      // History from a position in the middle (what the SDK asks after a reconnect or a Gap) is filtered too.
      client.send({ kind: Kind.History, id: 2, topic, epoch, seq: 4 });
      const history = (await replyOf(client, 2)) as TopicPosition;
      assert.deepEqual(history, { epoch, seq: 12, recovered: true });
      assert.deepEqual(messagesOf(client, topic), [3, 6, 9, 12, 6, 9, 12]);
      assert.deepEqual(gapsOf(client, topic), []);
      client.close();
    });

    test('a filtered subscriber whose position history no longer covers is told recovered: false', async () => {
      const topic = fresh();
      await server.publish(topic, { i: 1 }, { tags: tagsOf(1) });
      const { epoch } = await server.history(topic);
      const client = await RawClient.connect(url);
      client.send({ kind: Kind.Subscribe, id: 1, topics: [topic], positions: { [topic]: { epoch: `${epoch}x`, seq: 1 } }, filter: { eq: ['venue', 'a'] } });
      assert.deepEqual(await replyOf(client, 1), { [topic]: { epoch, seq: 1, recovered: false } });
      assert.deepEqual(messagesOf(client, topic), []);
      client.close();
    });

    test('publications made while a filtered subscription attaches come once each, matches only, in seq order after the replay', async () => {
      const topic = fresh();
      for (let i = 1; i <= 5; i++) await server.publish(topic, { i }, { tags: tagsOf(i) });
      const { epoch } = await server.history(topic);
      const client = await RawClient.connect(url);
      // Published while the subscription's history read is in flight (asynchronous on Redis).
      const publishing = (async () => {
        for (let i = 6; i <= 40; i++) await server.publish(topic, { i }, { tags: tagsOf(i) });
      })();
      client.send({ kind: Kind.Subscribe, id: 1, topics: [topic], positions: { [topic]: { epoch, seq: 0 } }, filter: { in: ['venue', ['a', 'b']] } });
      await replyOf(client, 1);
      await publishing;
      const expected = Array.from({ length: 40 }, (_, i) => i + 1).filter((i) => venue(i) !== 'c');
      await waitFor(() => messagesOf(client, topic).length >= expected.length, 5000, 'every match');
      assert.deepEqual(messagesOf(client, topic), expected);
      client.close();
    });

    test('SDK: subscribe({ filter }) and publish({ tags }); jumps are no gaps, a reconnect recovers only matches', async () => {
      const topic = fresh();
      const client = connectClient(url, { minReconnectDelayMs: 20 });
      const seen: number[] = [];
      const gaps: unknown[] = [];
      client.on('gap', (gap) => gaps.push(gap));
      await client.subscribe(topic, (_data, { seq }) => seen.push(seq), { filter: { eq: ['venue', 'a'] } });
      await assert.rejects(client.subscribe(topic, () => undefined), (err: unknown) => err instanceof ProtocolError && err.code === ErrorCode.BadFrame, 'another filter on the same topic');
      await assert.rejects(client.subscribe(fresh(), () => undefined, { filter: { eq: ['venue'] } as never }), (err: unknown) => err instanceof ProtocolError && err.code === ErrorCode.BadFrame);
      for (let i = 1; i <= 6; i++) await client.publish(topic, { i }, { ack: true, tags: tagsOf(i) });
      await waitFor(() => seen.length === 2, 5000, 'the live matches');
      for (const connection of server.clients.values()) connection.close(4000, 'again');
      for (let i = 7; i <= 12; i++) await server.publish(topic, { i }, { tags: tagsOf(i) });
      await waitFor(() => client.state === 'open' && seen.length === 4, 5000, 'the matches published while away');
      await server.publish(topic, { i: 13 }, { tags: tagsOf(13) });
      await waitFor(() => seen.length === 5, 5000, 'live again');
      assert.deepEqual(seen, [1, 4, 7, 10, 13]);
      assert.deepEqual(gaps, [], 'filtered-out seqs are never reported as a gap');
      client.close();
    });

    test('limits: hostile tags and filters are refused on every entry point, and nothing is published', async () => {
      const topic = fresh();
      const client = await RawClient.connect(url);
      const tooMany = Object.fromEntries(Array.from({ length: TagLimits.maxTags + 1 }, (_, i) => [`k${i}`, 'v']));
      client.send({ kind: Kind.Publish, id: 1, topic, data: 1, tags: tooMany });
      assert.equal((await errorOf(client, 1)).code, ErrorCode.BadFrame);
      client.sendRaw(Buffer.from(packValue([3, 2, topic, 1, { tags: { venue: 7 } }])));
      assert.equal((await errorOf(client, 2)).code, ErrorCode.BadFrame);
      client.sendRaw(Buffer.from(packValue([1, 3, [topic], { filter: { eq: ['venue'] } }])));
      assert.equal((await errorOf(client, 3)).code, ErrorCode.BadFrame);
      let deep: unknown = { eq: ['a', 'b'] };
      for (let i = 0; i < TagLimits.maxFilterDepth; i++) deep = { and: [deep] };
      client.sendRaw(Buffer.from(packValue([1, 4, [topic], { filter: deep }])));
      assert.equal((await errorOf(client, 4)).code, ErrorCode.BadFrame);
      assert.equal(client.closed, undefined, 'a refused frame does not close the connection');

      const http400 = await postJson(`${http}/api/publish`, { topic, data: 1, tags: { venue: 'x'.repeat(TagLimits.maxTagBytes + 1) } });
      assert.equal(http400.status, 400);
      assert.equal(http400.body.code, errorName(ErrorCode.BadFrame));
      assert.equal((await postJson(`${http}/api/publish`, { topic, data: 1, tags: ['venue'] })).status, 400);
      await assert.rejects(server.publish(topic, 1, { tags: tooMany }), (err: unknown) => err instanceof ProtocolError && err.code === ErrorCode.BadFrame);
      assert.equal((await server.history(topic)).seq, 0, 'nothing was published');
      // A batch answers each item: a bad item's tags refuse that item only.
      const batch = await postJson(`${http}/api/publish`, [{ topic, data: 1, tags: tooMany }, { topic, data: 2, tags: { venue: 'a' } }]);
      assert.deepEqual(batch.body.results.map((r: { ok: boolean; code?: string }) => r.code ?? r.ok), [errorName(ErrorCode.BadFrame), true]);
      assert.equal((await server.history(topic)).seq, 1);
      client.close();
    });
  });
}

filterCases('memory', () => ({}));

if (redisMissing !== undefined) {
  describe('filtered subscriptions (redis engine)', { skip: redisMissing }, () => {});
} else {
  const redis = await startRedis();
  filterCases('redis', () => ({ engine: new RedisEngine({ url: redis.url }) }));
}
