/**
 * The latest value on subscribe (docs/protocol.md §3.3, `extras.latest`, and the namespace option
 * `latest`): a new subscriber gets each topic's most recent publication as a normal Message before
 * the Reply, merged with live traffic like a recovery replay. The same cases run on the in-memory
 * engine and on the Redis engine (a real redis-server), whose history reads are asynchronous.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import WebSocket from 'ws';
import { ErrorCode, Kind, packValue, Subprotocol, type MessageFrame, type ReplyFrame, type ServerFrame, type TopicPosition } from '../../src/protocol/index.js';
import type { ServerOptions } from '../../src/server/index.js';
import { RedisEngine } from '../../src/server/engine/redis/redis-engine.js';
import { connectClient } from '../helpers/clients.js';
import { judgeSequence } from '../helpers/msgpack-oracle.js';
import { APP, pusherClient } from '../helpers/pusher.js';
import { RawClient } from '../helpers/raw-client.js';
import { redisMissing, startRedis } from '../helpers/redis.js';
import { startServer, waitFor } from '../helpers/server.js';

const namespaces: ServerOptions['namespaces'] = {
  'last:': { latest: true },
  'none:': { history: false },
};

/** The frames of `client` after its Welcome as short labels, in arrival order: `m<seq>`, `reply<id>`, `error<id>`. */
function order(client: RawClient, topic: string): string[] {
  return client.frames
    .filter((f) => f.kind !== Kind.Welcome && !(f.kind === Kind.Gap && f.seq === 0))
    .map((f) => (f.kind === Kind.Message && f.topic === topic ? `m${f.seq}` : f.kind === Kind.Reply ? `reply${f.id}` : f.kind === Kind.Error ? `error${f.id}` : `k${f.kind}`));
}

const hasReply = (client: RawClient, id: number) => client.frames.some((f) => (f.kind === Kind.Reply || f.kind === Kind.Error) && f.id === id);
const replyOf = (client: RawClient, id: number) => (client.frames.find((f) => f.kind === Kind.Reply && f.id === id) as ReplyFrame).data as Record<string, TopicPosition>;
const isMessage = (topic: string, seq: number) => (f: ServerFrame) => f.kind === Kind.Message && f.topic === topic && f.seq === seq;

function latestCases(engineName: string, options: () => Partial<ServerOptions>): void {
  describe(`latest value on subscribe (${engineName} engine)`, async () => {
    const { server, url } = await startServer({ namespaces, ...options() });
    let n = 0;
    // Topics of their own per case: the Redis engine's streams outlive a case.
    const fresh = (prefix: string) => `${prefix}${engineName}.${n++}`;
    const publish = async (topic: string, count: number, from = 1) => {
      for (let i = from; i < from + count; i++) await server.publish(topic, { i });
    };

    test('extras.latest: the most recent publication (seq 3) before the Reply, then live seq 4', async () => {
      const topic = fresh('prices:');
      await publish(topic, 3);
      const client = await RawClient.connect(url);
      client.send({ kind: Kind.Subscribe, id: 1, topics: [topic], latest: true });
      await waitFor(() => hasReply(client, 1), 5000, 'the reply');
      const { epoch } = await server.history(topic);
      assert.deepEqual(replyOf(client, 1), { [topic]: { epoch, seq: 3 } }, 'the Reply is the usual one (no recovered key)');
      const latest = client.frames.find(isMessage(topic, 3)) as MessageFrame;
      assert.deepEqual(latest.data, { i: 3 }, 'the publication itself');
      await publish(topic, 1, 4);
      await waitFor(() => client.frames.some(isMessage(topic, 4)), 5000, 'live seq 4');
      assert.deepEqual(order(client, topic), ['m3', 'reply1', 'm4']);
      client.close();
    });

    test('with a position for the topic: normal recovery (2, 3), no duplicate latest; a topic of the same frame without one gets its latest', async () => {
      const topic = fresh('prices:');
      const other = fresh('prices:');
      await publish(topic, 3);
      await publish(other, 2);
      const { epoch } = await server.history(topic);
      const client = await RawClient.connect(url);
      client.send({ kind: Kind.Subscribe, id: 1, topics: [topic, other], positions: { [topic]: { epoch, seq: 1 } }, latest: true });
      await waitFor(() => hasReply(client, 1), 5000, 'the reply');
      assert.deepEqual(replyOf(client, 1)[topic], { epoch, seq: 3, recovered: true });
      assert.deepEqual(order(client, topic).filter((label) => label.startsWith('m') || label.startsWith('reply')), ['m2', 'm3', 'reply1']);
      assert.deepEqual(order(client, other).filter((label) => label.startsWith('m')), ['m2'], 'the other topic: only its latest');
      client.close();
    });

    test('namespace latest: a plain Subscribe gets the latest first', async () => {
      const topic = fresh('last:');
      await publish(topic, 3);
      const client = await RawClient.connect(url);
      client.send({ kind: Kind.Subscribe, id: 1, topics: [topic] });
      await waitFor(() => hasReply(client, 1), 5000, 'the reply');
      assert.deepEqual(order(client, topic), ['m3', 'reply1']);
      client.close();
    });

    test('no extra frame: a namespace without history, a never-published topic, a topic already subscribed, a client that does not ask', async () => {
      const none = fresh('none:');
      await publish(none, 2);
      const unpublished = fresh('prices:');
      const plain = fresh('prices:');
      await publish(plain, 2);
      const client = await RawClient.connect(url);
      client.send({ kind: Kind.Subscribe, id: 1, topics: [none], latest: true });
      client.send({ kind: Kind.Subscribe, id: 2, topics: [unpublished], latest: true });
      client.send({ kind: Kind.Subscribe, id: 3, topics: [plain] });
      client.send({ kind: Kind.Subscribe, id: 4, topics: [plain], latest: true });
      await waitFor(() => hasReply(client, 4), 5000, 'the replies');
      // An async store may answer them in any order (answers are matched by id): only what was sent counts.
      assert.deepEqual(order(client, '-').sort(), ['reply1', 'reply2', 'reply3', 'reply4']);
      assert.equal(replyOf(client, 1)[none]!.seq, 2);
      assert.equal(replyOf(client, 2)[unpublished]!.seq, 0);
      client.close();
    });

    test('extras.latest of the wrong type is Error 101 with the request id; nothing is subscribed and the connection stays', async () => {
      const topic = fresh('prices:');
      await publish(topic, 1);
      const client = await RawClient.connect(url);
      for (const [id, latest] of [[1, 'yes'], [2, 1], [3, { [topic]: true }], [4, [true]]] as const) {
        client.sendRaw(packValue([Kind.Subscribe, id, [topic], { latest }]));
        const answer = await client.answer(id);
        assert.ok(answer.kind === Kind.Error && answer.code === ErrorCode.BadFrame, JSON.stringify(answer));
      }
      assert.equal(client.frames.filter((f) => f.kind === Kind.Message).length, 0, 'nothing delivered');
      client.send({ kind: Kind.Ping, id: 5 });
      assert.equal((await client.answer(5)).kind, Kind.Reply, 'the connection is still usable');
      client.close();
    });

    test('under live traffic: every subscriber sees one run of seqs from its latest on, each once, in order, the Reply within it', async () => {
      const topic = fresh('prices:');
      await publish(topic, 1);
      const last = 60;
      const publishing = publish(topic, last - 1, 2);
      const clients = await Promise.all(Array.from({ length: 6 }, () => RawClient.connect(url)));
      clients.forEach((client, i) => client.send({ kind: Kind.Subscribe, id: i + 1, topics: [topic], latest: true }));
      await publishing;
      for (const [i, client] of clients.entries()) {
        await waitFor(() => client.frames.some(isMessage(topic, last)), 10_000, `client ${i}: seq ${last}`);
        const seqs = client.frames.filter((f): f is MessageFrame => f.kind === Kind.Message).map((m) => m.seq);
        const first = seqs[0]!;
        assert.deepEqual(seqs, Array.from({ length: last + 1 - first }, (_, k) => first + k), `client ${i}: each seq once, in order`);
        const answered = replyOf(client, i + 1)[topic]!.seq;
        const beforeReply = order(client, topic).indexOf(`reply${i + 1}`);
        assert.ok(answered >= first && beforeReply === answered - first + 1, `client ${i}: the Reply (seq ${answered}) follows exactly the messages up to it (first ${first})`);
        client.close();
      }
    });

    test('the SDK: subscribe(topic, handler, { latest: true }) hands the latest to the handler first, then live', async () => {
      const topic = fresh('prices:');
      await publish(topic, 3);
      const client = connectClient(url);
      const seen: Array<[number, unknown]> = [];
      await client.subscribe(topic, (data, { seq }) => seen.push([seq, data]), { latest: true });
      await publish(topic, 1, 4);
      await waitFor(() => seen.length >= 2, 5000, 'the latest and the live message');
      assert.deepEqual(seen, [[3, { i: 3 }], [4, { i: 4 }]]);
      client.close();
    });

    test('the SDK on a latest namespace needs no option', async () => {
      const topic = fresh('last:');
      await publish(topic, 2);
      const client = connectClient(url);
      const seen: number[] = [];
      await client.subscribe(topic, (_data, { seq }) => seen.push(seq));
      await publish(topic, 1, 3);
      await waitFor(() => seen.length >= 2, 5000, 'the latest and the live message');
      assert.deepEqual(seen, [2, 3]);
      client.close();
    });
  });
}

latestCases('memory', () => ({}));

if (redisMissing !== undefined) {
  describe('latest value on subscribe (redis engine)', { skip: redisMissing }, () => {});
} else {
  const redis = await startRedis();
  latestCases('redis', () => ({ engine: new RedisEngine({ url: redis.url }) }));
}

describe('latest value on subscribe: the bytes', async () => {
  const { server, url } = await startServer({ namespaces });

  /** A socket that keeps every WebSocket message as received. */
  async function rawSocket(): Promise<{ ws: WebSocket; messages: Uint8Array[] }> {
    const ws = new WebSocket(url, [Subprotocol.msgpack]);
    const messages: Uint8Array[] = [];
    ws.on('message', (data: Buffer) => messages.push(new Uint8Array(data)));
    await waitFor(() => messages.length >= 1, 5000, 'the welcome');
    return { ws, messages };
  }

  test('the latest Message is byte for byte the Message a live subscriber got, and standard msgpack', async () => {
    const live = await rawSocket();
    live.ws.send(packValue([Kind.Subscribe, 1, ['bytes:t']]));
    await waitFor(() => live.messages.length >= 2, 5000, 'the live subscribe reply');
    for (let i = 1; i <= 3; i++) await server.publish('bytes:t', { i, s: 'ü' });
    await waitFor(() => live.messages.length >= 5, 5000, 'three live messages');

    const late = await rawSocket();
    late.ws.send(packValue([Kind.Subscribe, 1, ['bytes:t'], { latest: true }]));
    await waitFor(() => late.messages.length >= 3, 5000, 'the latest and the reply');
    const latest = late.messages[1]!;
    assert.deepEqual(latest, live.messages[4], 'the same bytes as live seq 3');
    assert.ok(judgeSequence(latest).ok, 'standard msgpack');
    live.ws.close();
    late.ws.close();
  });
});

describe('latest value on subscribe: native only', async () => {
  // Pusher channel names have no colon.
  const { server, port } = await startServer({ namespaces: { 'last-': { latest: true } }, pusher: { apps: [{ ...APP }] } });

  test('a pusher-js subscriber on a latest namespace starts with the next event, as on Pusher', async () => {
    for (let i = 1; i <= 2; i++) await server.publish('last-pusher', { event: 'tick', data: { i } });
    const client = pusherClient(port);
    const seen: Array<[string, unknown]> = [];
    const channel = client.subscribe('last-pusher');
    channel.bind_global((event: string, data: unknown) => seen.push([event, data]));
    await waitFor(() => seen.some(([event]) => event === 'pusher:subscription_succeeded'), 5000, 'subscription_succeeded');
    await server.publish('last-pusher', { event: 'tick', data: { i: 3 } });
    await waitFor(() => seen.length >= 2, 5000, 'the live event');
    assert.deepEqual(seen.map(([event, data]) => (event === 'tick' ? data : event)), ['pusher:subscription_succeeded', { i: 3 }]);
    client.disconnect();
  });
});
