/**
 * History and recovery on the wire: subscribe with a position, History requests, epochs.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ErrorCode, Kind, type MessageFrame, type ReplyFrame, type ServerFrame, type TopicPosition } from '../../src/protocol/index.js';
import { RawClient } from '../helpers/raw-client.js';
import { freePort, startServer, waitFor } from '../helpers/server.js';

const isMessage = (topic: string) => (frame: ServerFrame): frame is MessageFrame => frame.kind === Kind.Message && frame.topic === topic;

async function subscribe(client: RawClient, id: number, topic: string, position?: { epoch: string; seq: number }): Promise<TopicPosition> {
  client.send({ kind: Kind.Subscribe, id, topics: [topic], ...(position ? { positions: { [topic]: position } } : {}) });
  const answer = await client.answer(id);
  assert.equal(answer.kind, Kind.Reply, JSON.stringify(answer));
  return ((answer as ReplyFrame).data as Record<string, TopicPosition>)[topic]!;
}

/** Frames received so far, in arrival order, as [kind, seq-or-id]. */
function arrivals(client: RawClient): Array<[number, number]> {
  return client.frames.splice(0).map((frame) => [frame.kind, frame.kind === Kind.Message ? frame.seq : 'id' in frame ? frame.id : -1]);
}

describe('recovery', async () => {
  const { server, url } = await startServer({
    namespaces: { 'short:': { history: { size: 3, ttlMs: 60_000 } }, 'none:': { history: false } },
  });

  test('subscribe answers the topic epoch and seq; a position replays exactly the missed messages before the reply, then live', async () => {
    const first = await RawClient.connect(url);
    const start = await subscribe(first, 1, 'prices:btc');
    assert.equal(start.seq, 0);
    assert.equal(typeof start.epoch, 'string');
    for (let i = 1; i <= 5; i++) await server.publish('prices:btc', { i });
    await first.next((f) => isMessage('prices:btc')(f) && f.seq === 5);
    first.close();
    for (let i = 6; i <= 8; i++) await server.publish('prices:btc', { i });

    const second = await RawClient.connect(url);
    second.send({ kind: Kind.Subscribe, id: 2, topics: ['prices:btc'], positions: { 'prices:btc': { epoch: start.epoch, seq: 5 } } });
    // Watch arrival order without taking frames out: the replay must come before the Reply.
    await waitFor(() => second.frames.some((f) => f.kind === Kind.Reply && f.id === 2), 5000, 'the reply');
    const reply = second.frames.find((f) => f.kind === Kind.Reply && f.id === 2) as ReplyFrame;
    assert.deepEqual(reply.data, { 'prices:btc': { epoch: start.epoch, seq: 8, recovered: true } });
    await server.publish('prices:btc', { i: 9 });
    await waitFor(() => second.frames.some((f) => isMessage('prices:btc')(f) && f.seq === 9), 5000, 'the live message');
    const order = second.frames.filter((f) => f.kind !== Kind.Welcome).map((f) => (isMessage('prices:btc')(f) ? `m${f.seq}` : f.kind === Kind.Reply ? `reply${f.id}` : `k${f.kind}`));
    assert.deepEqual(order, ['m6', 'm7', 'm8', 'reply2', 'm9'], 'replayed messages, then the Reply, then live');
    second.close();
  });

  test('replay is in the connection format (JSON)', async () => {
    const client = await RawClient.connect(url, { format: 'json' });
    const { epoch } = await subscribe(client, 1, 'json:replay');
    await server.publish('json:replay', 'a');
    await server.publish('json:replay', new Uint8Array([1, 2]));
    await client.next((f) => isMessage('json:replay')(f) && f.seq === 2);
    client.frames.length = 0;
    client.send({ kind: Kind.History, id: 2, topic: 'json:replay', epoch, seq: 0 });
    assert.deepEqual(((await client.answer(2)) as ReplyFrame).data, { epoch, seq: 2, recovered: true });
    assert.deepEqual(client.frames.filter(isMessage('json:replay')).map((m) => m.data), ['a', 'AQI=']);
    client.close();
  });

  test('recovered: false (and nothing replayed) when the gap is longer than history keeps, or history is off', async () => {
    const client = await RawClient.connect(url);
    const { epoch } = await subscribe(client, 1, 'short:a');
    for (let i = 0; i < 6; i++) await server.publish('short:a', i);
    await client.next((f) => isMessage('short:a')(f) && f.seq === 6);
    client.close();

    const late = await RawClient.connect(url);
    assert.deepEqual(await subscribe(late, 1, 'short:a', { epoch, seq: 2 }), { epoch, seq: 6, recovered: false });
    assert.deepEqual(await subscribe(late, 2, 'short:b', { epoch: 'bogus', seq: 0 }), { ...(await subscribe(late, 3, 'short:b')), recovered: false });
    const none = await subscribe(late, 4, 'none:x');
    await server.publish('none:x', 1);
    await late.next(isMessage('none:x'));
    late.send({ kind: Kind.History, id: 5, topic: 'none:x', epoch: none.epoch, seq: 0 });
    assert.deepEqual(((await late.answer(5)) as ReplyFrame).data, { epoch: none.epoch, seq: 1, recovered: false });
    late.send({ kind: Kind.History, id: 6, topic: 'none:x', epoch: none.epoch, seq: 1 });
    assert.deepEqual(((await late.answer(6)) as ReplyFrame).data, { epoch: none.epoch, seq: 1, recovered: true }, 'nothing missed is a full recovery');
    assert.equal(late.frames.filter(isMessage('short:a')).length, 0, 'no partial replay');
    late.close();
  });

  test('History replays after a seq on a subscribed topic and refuses others with NOT_SUBSCRIBED', async () => {
    const client = await RawClient.connect(url);
    const { epoch } = await subscribe(client, 1, 'hist:a');
    for (let i = 1; i <= 4; i++) await server.publish('hist:a', i);
    await client.next((f) => isMessage('hist:a')(f) && f.seq === 4);
    client.frames.length = 0;
    client.send({ kind: Kind.History, id: 2, topic: 'hist:a', epoch, seq: 1 });
    await client.answer(2).then((reply) => assert.deepEqual((reply as ReplyFrame).data, { epoch, seq: 4, recovered: true }));
    assert.deepEqual(arrivals(client), [[Kind.Message, 2], [Kind.Message, 3], [Kind.Message, 4]]);
    client.send({ kind: Kind.History, id: 3, topic: 'hist:other', epoch, seq: 0 });
    const refused = await client.answer(3);
    assert.ok(refused.kind === Kind.Error && refused.code === ErrorCode.NotSubscribed, JSON.stringify(refused));
    client.close();
  });

  test('a restarted server has a new epoch: old positions answer recovered: false', async () => {
    const before = await startServer({ port: await freePort() });
    const client = await RawClient.connect(before.url);
    const { epoch } = await subscribe(client, 1, 'restart:t');
    await before.server.publish('restart:t', 1);
    await client.next(isMessage('restart:t'));
    client.close();
    await before.server.close();

    const after = await startServer({ port: before.port });
    const again = await RawClient.connect(after.url);
    const answer = await subscribe(again, 1, 'restart:t', { epoch, seq: 1 });
    assert.equal(answer.recovered, false);
    assert.notEqual(answer.epoch, epoch);
    assert.equal(answer.seq, 0);
    again.close();
  });

  test('the replay cap: a gap longer than maxReplayMessages is not replayed', async () => {
    const capped = await startServer({ maxReplayMessages: 2 });
    const client = await RawClient.connect(capped.url);
    const { epoch } = await subscribe(client, 1, 'cap:t');
    for (let i = 0; i < 3; i++) await capped.server.publish('cap:t', i);
    await client.next((f) => isMessage('cap:t')(f) && f.seq === 3);
    client.send({ kind: Kind.History, id: 2, topic: 'cap:t', epoch, seq: 0 });
    assert.deepEqual(((await client.answer(2)) as ReplyFrame).data, { epoch, seq: 3, recovered: false });
    client.send({ kind: Kind.History, id: 3, topic: 'cap:t', epoch, seq: 1 });
    assert.deepEqual(((await client.answer(3)) as ReplyFrame).data, { epoch, seq: 3, recovered: true });
    client.close();
  });

  test('GET /api/history/:topic answers the latest publications, or everything after a position (all or nothing)', async () => {
    const { server: api, http } = await startServer({ namespaces: { '': { history: { size: 4, ttlMs: 60_000 } } } });
    for (let i = 1; i <= 6; i++) await api.publish('orders:eu', { i, bytes: new Uint8Array([i]) });
    const latest = await (await fetch(`${http}/api/history/orders%3Aeu?limit=2`)).json();
    assert.equal(latest.seq, 6);
    assert.deepEqual(latest.publications.map((p: { seq: number; data: unknown }) => [p.seq, p.data]), [[5, { i: 5, bytes: 'BQ==' }], [6, { i: 6, bytes: 'Bg==' }]]);
    const after = await (await fetch(`${http}/api/history/orders%3Aeu?epoch=${latest.epoch}&since=3`)).json();
    assert.equal(after.recovered, true);
    assert.deepEqual(after.publications.map((p: { seq: number }) => p.seq), [4, 5, 6]);
    const tooOld = await (await fetch(`${http}/api/history/orders%3Aeu?epoch=${latest.epoch}&since=1`)).json();
    assert.deepEqual([tooOld.recovered, tooOld.publications], [false, []]);
    for (const query of ['limit=x', 'since=1', 'limit=0', 'epoch=e']) {
      const res = await fetch(`${http}/api/history/orders%3Aeu?${query}`);
      assert.equal(res.status, 400, query);
      assert.equal((await res.json()).code, 'BAD_REQUEST');
    }
    assert.equal((await fetch(`${http}/api/history/bad%20topic`)).status, 400);
    const lib = await api.history('orders:eu', { since: { epoch: latest.epoch, seq: 5 } });
    assert.deepEqual(lib.publications.map((p) => p.data), [{ i: 6, bytes: new Uint8Array([6]) }]);
  });
});
