import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { CloseCode, ErrorCode, Kind, msgpackCodec, packValue, type ErrorFrame } from '../../src/protocol/index.js';
import { RawClient } from '../helpers/raw-client.js';
import { startServer, waitFor } from '../helpers/server.js';
import { connectClient } from '../helpers/clients.js';


describe('bad input never crashes the server or disturbs other clients', async () => {
  // Rate limits high enough for the floods below; test/security/limits.test.ts covers them.
  const { server, url } = await startServer({ maxPayloadBytes: 1024, clientPublish: true, messagesPerSecond: 100_000, bytesPerSecond: 100_000_000 });

  // A well-behaved client that must keep receiving every message throughout.
  const bystander = connectClient(url);
  const seen: number[] = [];
  await bystander.subscribe('bystander', (data) => seen.push(data as number));
  let published = 0;
  const publishAndCheck = async () => {
    published++;
    await server.publish('bystander', published);
    await waitFor(() => seen.length === published, 3000, `bystander message ${published}`);
    assert.deepEqual(seen, Array.from({ length: published }, (_, i) => i + 1));
  };

  const errorCode = async (raw: RawClient, id = 0) => ((await raw.answer(id)) as ErrorFrame).code;

  test('undecodable bytes get BAD_FRAME and the connection stays usable', async () => {
    const raw = await RawClient.connect(url);
    raw.sendRaw(Uint8Array.from([0xc1]));
    raw.sendRaw(Uint8Array.from([0x94, 0x03]));
    assert.equal(await errorCode(raw), ErrorCode.BadFrame);
    assert.equal(await errorCode(raw), ErrorCode.BadFrame);
    raw.send({ kind: Kind.Ping, id: 5 });
    assert.equal((await raw.answer(5)).kind, Kind.Reply);
    raw.close();
    await publishAndCheck();
  });

  test('wrong shapes and unknown kinds answer with the request id when it is readable', async () => {
    const raw = await RawClient.connect(url);
    raw.sendRaw(msgpackCodec.encode({ kind: Kind.Ping, id: 1 }) as Uint8Array);
    raw.sendRaw(Uint8Array.from([0x93, 0x01, 0x07, 0xa1, 0x74])); // [1, 7, "t"]: topics not an array
    raw.sendRaw(Uint8Array.from([0x92, 0x63, 0x08])); // [99, 8]: unknown kind
    raw.sendRaw(Uint8Array.from([0x92, 0x14, 0x09])); // [20, 9]: a server-only kind
    assert.equal((await raw.answer(1)).kind, Kind.Reply);
    assert.equal(await errorCode(raw, 7), ErrorCode.BadFrame);
    assert.equal(await errorCode(raw, 8), ErrorCode.UnknownKind);
    assert.equal(await errorCode(raw, 9), ErrorCode.UnknownKind);
    raw.close();
    await publishAndCheck();
  });

  test('a batch with one bad frame still runs the good ones', async () => {
    const raw = await RawClient.connect(url, { format: 'json' });
    raw.sendRaw('[5,1]\n[3,2]\n[5,3]');
    assert.equal((await raw.answer(1)).kind, Kind.Reply);
    assert.equal(await errorCode(raw, 2), ErrorCode.BadFrame);
    assert.equal((await raw.answer(3)).kind, Kind.Reply);
    raw.close();
  });

  test('a text message in msgpack mode closes with 1003; binary in JSON mode too', async () => {
    const msgpack = await RawClient.connect(url);
    msgpack.sendRaw('[5,1]');
    assert.equal((await msgpack.closedWith()).code, CloseCode.UnsupportedData);
    const json = await RawClient.connect(url, { format: 'json' });
    json.sendRaw(Uint8Array.from([0x92, 0x05, 0x01]));
    assert.equal((await json.closedWith()).code, CloseCode.UnsupportedData);
    await publishAndCheck();
  });

  test('a message over maxPayloadBytes closes with 1009', async () => {
    const raw = await RawClient.connect(url);
    raw.send({ kind: Kind.Publish, id: 0, topic: 'x', data: 'y'.repeat(2000) });
    const closed = await raw.closedWith();
    assert.equal(closed.code, CloseCode.MessageTooBig);
    await publishAndCheck();
  });

  test('invalid topics (non-ASCII, spaces, too long) are INVALID_TOPIC; a topic that is not UTF-8 is BAD_FRAME', async () => {
    const raw = await RawClient.connect(url);
    const badTopics = ['café', 'a b', 'x'.repeat(300), '\u0000'];
    badTopics.forEach((topic, i) => raw.send({ kind: Kind.Subscribe, id: i + 1, topics: [topic] }));
    for (let i = 1; i <= badTopics.length; i++) assert.equal(await errorCode(raw, i), ErrorCode.InvalidTopic);
    // [1, 9, [<fixstr with bytes ff fe>]]: not UTF-8, so not standard msgpack (docs/protocol.md §2.2):
    // the whole message is refused before any frame is read, hence id 0.
    raw.sendRaw(Uint8Array.from([0x93, 0x01, 0x09, 0x91, 0xa2, 0xff, 0xfe]));
    assert.equal(await errorCode(raw, 0), 101);
    raw.send({ kind: Kind.Publish, id: 10, topic: 'a b', data: 1 });
    assert.equal(await errorCode(raw, 10), ErrorCode.InvalidTopic);
    raw.close();
  });

  test('random frames from fast-check never kill the server', async () => {
    const raw = await RawClient.connect(url);
    const value = fc.oneof(fc.integer(), fc.string(), fc.constant(null), fc.array(fc.string(), { maxLength: 3 }), fc.object({ maxDepth: 2 }));
    const frame = fc.tuple(fc.integer({ min: -2, max: 30 }), fc.oneof(fc.integer({ min: -5, max: 100 }), value), value, value);
    for (const sample of fc.sample(frame, 300)) {
      const bytes = packValue(sample);
      if (bytes.length <= 1024) raw.sendRaw(bytes);
    }
    for (const bytes of fc.sample(fc.uint8Array({ minLength: 1, maxLength: 512 }), 300)) raw.sendRaw(bytes);
    raw.send({ kind: Kind.Ping, id: 424242 });
    assert.equal((await raw.answer(424242, 10_000)).kind, Kind.Reply);
    raw.close();
    await publishAndCheck();
  });

  test('a flood of subscribe/unsubscribe leaves consistent state', async () => {
    const raw = await RawClient.connect(url);
    for (let i = 0; i < 500; i++) {
      raw.send({ kind: Kind.Subscribe, id: 0, topics: [`flood:${i % 20}`] });
      raw.send({ kind: Kind.Unsubscribe, id: 0, topics: [`flood:${(i + 7) % 20}`] });
    }
    raw.send({ kind: Kind.Ping, id: 1 });
    await raw.answer(1);
    const expected = new Set<string>();
    for (let i = 0; i < 500; i++) {
      expected.add(`flood:${i % 20}`);
      expected.delete(`flood:${(i + 7) % 20}`);
    }
    const connection = [...server.clients.values()].at(-1)!;
    assert.deepEqual([...connection.topics].sort(), [...expected].sort());
    raw.close();
    await publishAndCheck();
  });
});
