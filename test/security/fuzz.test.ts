import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  Kind,
  ProtocolError,
  jsonCodec,
  msgpackCodec,
  packValue,
  toClientFrame,
  topicProblem,
  type ErrorFrame,
  type ServerFrame,
} from '../../src/protocol/index.js';
import { startBystander } from '../helpers/bystander.js';
import { sample, seeded } from '../helpers/fc-seed.js';
import { hostileMessage, standardValue, encodeStandard } from '../helpers/msgpack-arbitraries.js';
import { judgeSequence } from '../helpers/msgpack-oracle.js';
import { RawClient } from '../helpers/raw-client.js';
import { startServer } from '../helpers/server.js';
import { upgradeStatus } from '../helpers/upgrade.js';

/** What the codec says about a message: undecodable, or per frame either a valid frame or an error (id, code). */
type Verdict = { undecodable: true } | { undecodable: false; frames: Array<{ ok: true } | { ok: false; id: number; code: number }> };

function verdict(bytes: Uint8Array | string, codec = msgpackCodec): Verdict {
  let values: unknown[];
  try {
    values = codec.decode(bytes);
  } catch (err) {
    assert.ok(err instanceof ProtocolError && err.code === 101, `decode threw ${String(err)}`);
    return { undecodable: true };
  }
  return {
    undecodable: false,
    frames: values.map((value) => {
      try {
        toClientFrame(value);
        return { ok: true as const };
      } catch (err) {
        assert.ok(err instanceof ProtocolError, `toClientFrame threw ${String(err)}`);
        assert.ok(err.code === 101 || err.code === 102, `code ${err.code}`);
        return { ok: false as const, id: err.requestId, code: err.code };
      }
    }),
  };
}

const anyValue = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.string(),
  fc.boolean(),
  fc.constant(null),
  fc.uint8Array({ maxLength: 8 }),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.dictionary(fc.string(), fc.integer(), { maxKeys: 3 }),
);
// Kinds around every boundary: reserved, client, server-only, negative, fractional.
const anyKind = fc.oneof(fc.integer({ min: -3, max: 30 }), fc.constantFrom(0.5, 2 ** 53, -0), fc.integer());
const plausibleFrame = fc.tuple(anyKind, fc.oneof(fc.nat(1000), anyValue), anyValue, anyValue, anyValue).chain((tuple) => fc.integer({ min: 1, max: 5 }).map((n) => tuple.slice(0, n)));
/** A well-formed frame of each client kind with one field replaced by a value of a random type. */
const wrongTypedFrame = fc
  .tuple(
    fc.constantFrom<unknown[]>([1, 1, ['t']], [2, 1, ['t']], [3, 1, 't', 1], [4, 1, 'm', null], [5, 1], [6, 1, 'x'], [7, 1, 'a.b.c'], [1, 1, ['t'], { tokens: { t: 'x' } }]),
    fc.nat(4),
    anyValue,
  )
  .map(([frame, position, value]) => {
    const copy = [...frame];
    copy[Math.min(position, copy.length)] = value;
    return copy;
  });

const hugeDeclared = fc.constantFrom(
  [0xdd, 0xff, 0xff, 0xff, 0xff, 0x01], // array32 of 4 billion elements, one present
  [0xdf, 0xff, 0xff, 0xff, 0xff, 0x01], // map32
  [0xdb, 0xff, 0xff, 0xff, 0xff, 0x61], // str32
  [0xc6, 0xff, 0xff, 0xff, 0xff, 0x61], // bin32
  [0xc9, 0xff, 0xff, 0xff, 0xff, 0x01, 0x61], // ext32
  [0x94, 0x01, 0x01, 0xdd, 0x7f, 0xff, 0xff, 0xff], // a frame whose topic list declares 2^31 entries
);

describe('codec properties (no network)', () => {
  test('random bytes decode to values or fail with BAD_FRAME, never anything else', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 0, maxLength: 300 }), (bytes) => void verdict(bytes)), seeded('random bytes, msgpack', { numRuns: 2000 }));
    fc.assert(fc.property(fc.string({ maxLength: 200 }), (text) => void verdict(text, jsonCodec)), seeded('random text, JSON', { numRuns: 1000 }));
  });

  test('every strict prefix of an encoded frame is BAD_FRAME (truncated msgpack)', () => {
    fc.assert(
      fc.property(plausibleFrame, fc.double({ min: 0, max: 1, noNaN: true }), (frame, cut) => {
        const bytes = packValue(frame);
        const prefix = bytes.subarray(0, Math.floor(cut * (bytes.length - 1)));
        if (prefix.length === 0) return;
        // A prefix can be a complete smaller value followed by junk; it must never be the same frame.
        const result = verdict(prefix);
        if (!result.undecodable) assert.notDeepEqual(msgpackCodec.decode(prefix), [frame]);
      }),
      seeded('truncated frames', { numRuns: 1000 }),
    );
  });

  test('deep nesting and huge declared lengths with tiny bodies fail fast with BAD_FRAME', () => {
    for (const depth of [1000, 10_000, 200_000]) {
      const bytes = new Uint8Array(depth + 1).fill(0x91);
      bytes[depth] = 0x01;
      const result = verdict(bytes);
      if (!result.undecodable) assert.equal(result.frames[0]!.ok, false);
    }
    fc.assert(fc.property(hugeDeclared, (bytes) => assert.deepEqual(verdict(Uint8Array.from(bytes)), { undecodable: true })), seeded('huge declared lengths'));
  });

  test('wrong types in every field give BAD_FRAME or UNKNOWN_KIND with the readable id, or a correctly typed frame', () => {
    fc.assert(
      fc.property(fc.oneof(wrongTypedFrame, plausibleFrame), (value) => {
        try {
          const frame = toClientFrame(value);
          assert.ok(Number.isSafeInteger(frame.id) && frame.id >= 0);
          if ('topics' in frame) assert.ok(frame.topics.length > 0 && frame.topics.every((topic) => typeof topic === 'string'));
          if ('topic' in frame || 'method' in frame || 'token' in frame) {
            const text = 'topic' in frame ? frame.topic : 'method' in frame ? frame.method : frame.token;
            assert.equal(typeof text, 'string');
          }
        } catch (err) {
          assert.ok(err instanceof ProtocolError && (err.code === 101 || err.code === 102));
          const id = (value as unknown[])[1];
          if (err.requestId !== 0) assert.equal(err.requestId, id);
        }
      }),
      seeded('wrong types', { numRuns: 3000 }),
    );
  });

  test('invalid UTF-8 in a topic never gets past the decoder; valid UTF-8 outside ASCII is an invalid topic', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 20 }), (raw) => {
        const bytes = Uint8Array.from([0x93, 0x01, 0x01, 0x91, 0xd9, raw.length, ...raw]);
        if (!isUtf8(raw)) return assert.deepEqual(verdict(bytes), { undecodable: true });
        const frame = toClientFrame(msgpackCodec.decode(bytes)[0]);
        assert.ok('topics' in frame);
        if (raw.some((b) => b < 0x21 || b > 0x7e)) assert.notEqual(topicProblem(frame.topics[0]!, 256), null);
      }),
      seeded('UTF-8 topics'),
    );
    // In JSON mode invalid UTF-8 never gets past the decoder.
    assert.deepEqual(verdict(Uint8Array.from([0x5b, 0x31, 0x2c, 0x31, 0x2c, 0x5b, 0x22, 0xff, 0x22, 0x5d, 0x5d]), jsonCodec), { undecodable: true });
  });
});

function isUtf8(bytes: Uint8Array): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** Largest message the live tests send: under the server's maxPayloadBytes, so no 1009 close. */
const MAX_LIVE_BYTES = 60_000;

/**
 * Every binary message the server sends to `raw` must decode with the independent decoder; the
 * returned list collects the ones that do not (as hex), to assert empty at the end.
 */
function judgeEverythingReceived(raw: RawClient): string[] {
  const failures: string[] = [];
  raw.ws.on('message', (data: Buffer, isBinary: boolean) => {
    if (!isBinary) return failures.push(`text message ${data.toString('utf8').slice(0, 80)}`);
    const verdict = judgeSequence(new Uint8Array(data));
    if (!verdict.ok) failures.push(`${data.toString('hex').slice(0, 200)}: ${verdict.reason}`);
  });
  return failures;
}

function concatBytes(...parts: ArrayLike<number>[]): Uint8Array {
  return Uint8Array.from(parts.flatMap((part) => Array.from(part)));
}

describe('live server: what the independent decoder refuses never runs, and everything sent is standard', async () => {
  const { server, url } = await startServer({ maxPayloadBytes: 64 * 1024, clientPublish: true, messagesPerSecond: 0, bytesPerSecond: 0 });
  const bystander = await startBystander(server, url);

  /**
   * Sends messages and checks the server's Error frames, in order, against the oracle: a message
   * it refuses gets exactly `[22, 0, 101, …]`; one it accepts gets one Error per frame that is not
   * a valid client frame. Accepted messages that contain a valid frame are not sent here (their
   * effects vary by kind; the publish test below judges them).
   */
  async function sendAndCompare(raw: RawClient, messages: Uint8Array[]): Promise<number> {
    const expected: Array<{ id: number; code: number }> = [];
    let sent = 0;
    for (const message of messages) {
      if (message.length === 0 || message.length > MAX_LIVE_BYTES) continue;
      const oracle = judgeSequence(message, { scalarKeys: true });
      if (!oracle.ok) {
        expected.push({ id: 0, code: 101 });
      } else {
        const result = verdict(message);
        assert.ok(!result.undecodable, `the codec refuses what the oracle accepts: ${Buffer.from(message).toString('hex').slice(0, 200)}`);
        if (result.frames.some((frame) => frame.ok)) continue;
        for (const frame of result.frames) if (!frame.ok) expected.push({ id: frame.id, code: frame.code });
      }
      raw.sendRaw(message);
      sent++;
    }
    const syncId = 987654;
    raw.send({ kind: Kind.Ping, id: syncId });
    await raw.answer(syncId, 20_000);
    const got = raw.frames.splice(0).filter((frame): frame is ErrorFrame & ServerFrame => frame.kind === Kind.Error).map(({ id, code }) => ({ id, code }));
    assert.deepEqual(got, expected);
    return sent;
  }

  test('random bytes, truncated frames, deep nesting, huge declared lengths, wrong types, unknown kinds and non-standard msgpack', async () => {
    const raw = await RawClient.connect(url);
    const served = judgeEverythingReceived(raw);
    const randomBytes = sample('live random bytes', fc.uint8Array({ minLength: 1, maxLength: 512 }), 400);
    const truncated = sample('live truncated', plausibleFrame, 200).map((frame) => {
      const bytes = packValue(frame);
      return bytes.subarray(0, Math.max(1, bytes.length - 1));
    });
    const wrongTyped = sample('live wrong types', fc.oneof(wrongTypedFrame, plausibleFrame), 600).map((frame) => packValue(frame));
    const nested = [127, 128, 129, 1000, 50_000].map((depth) => new Uint8Array(depth + 1).fill(0x91).fill(0x01, depth));
    const huge = sample('live huge lengths', hugeDeclared, 20).map((bytes) => Uint8Array.from(bytes));
    const hostile = sample('live hostile msgpack', hostileMessage, 600);
    // A valid frame followed by something non-standard: the frame must not run.
    const validThenBad = sample('live valid frame then garbage', hostileMessage, 200).map((tail) => concatBytes([0x92, 0x05, 0x01], tail));
    const sent = await sendAndCompare(raw, [...randomBytes, ...truncated, ...wrongTyped, ...nested, ...huge, ...hostile, ...validThenBad]);
    assert.ok(sent > 800, `${sent} hostile messages sent`);
    assert.equal(raw.closed, undefined);
    assert.deepEqual(served, []);
    raw.close();
    await bystander.check();
  });

  test('a Publish in a message the oracle refuses is never fanned out; one it accepts is, and subscribers get only standard msgpack', async () => {
    const subscriber = await RawClient.connect(url);
    const delivered = judgeEverythingReceived(subscriber);
    subscriber.send({ kind: Kind.Subscribe, id: 1, topics: ['fuzz'] });
    await subscriber.answer(1);
    const publisher = await RawClient.connect(url);
    const answered = judgeEverythingReceived(publisher);

    // [3, 0, "fuzz", [marker, <hostile or standard data>]], with hostile bytes around or inside it.
    const publishHead = (marker: number) => [0x94, 0x03, 0x00, 0xa4, 0x66, 0x75, 0x7a, 0x7a, 0x92, ...encodeStandard(marker)];
    const shapes = fc.tuple(fc.constantFrom('data', 'after', 'before', 'standard'), hostileMessage, standardValue);
    const messages = sample('live publish markers', shapes, 500).map(([shape, hostile, value], marker) => {
      if (shape === 'data') return concatBytes(publishHead(marker), hostile.length > 0 ? hostile : [0xc1]);
      if (shape === 'after') return concatBytes(publishHead(marker), [0xc0], hostile);
      if (shape === 'before') return concatBytes(hostile, publishHead(marker), [0xc0]);
      return concatBytes(publishHead(marker), encodeStandard(value));
    });

    const expected: number[] = [];
    let refused = 0;
    for (const message of messages) {
      if (message.length > MAX_LIVE_BYTES) continue;
      const oracle = judgeSequence(message, { scalarKeys: true });
      if (oracle.ok) {
        for (const value of oracle.values) {
          if (Array.isArray(value) && value[0] === 3 && value[1] === 0 && value[2] === 'fuzz' && Array.isArray(value[3]) && typeof value[3][0] === 'number') expected.push(value[3][0]);
        }
      } else {
        refused++;
      }
      publisher.sendRaw(message);
    }
    publisher.send({ kind: Kind.Publish, id: 0, topic: 'fuzz', data: ['end'] });
    await subscriber.next((frame) => frame.kind === Kind.Message && Array.isArray(frame.data) && frame.data[0] === 'end', 20_000);
    const received = subscriber.frames
      .splice(0)
      .filter((frame) => frame.kind === Kind.Message)
      .map((frame) => (frame as { data: unknown[] }).data[0]);
    assert.deepEqual(received, expected, 'fanned-out markers are exactly those of messages the oracle accepts');
    assert.ok(refused > 100 && expected.length > 100, `${refused} refused, ${expected.length} accepted`);
    assert.deepEqual(delivered, []);
    assert.deepEqual(answered, []);
    assert.equal(publisher.closed, undefined);
    publisher.close();
    subscriber.close();
    await bystander.check();
  });

  test('a text message in msgpack mode closes with 1003, whatever it says', async () => {
    for (const text of sample('live text in msgpack mode', fc.string({ maxLength: 50 }), 5)) {
      const raw = await RawClient.connect(url);
      raw.sendRaw(text);
      assert.equal((await raw.closedWith()).code, 1003); // UNSUPPORTED_DATA
    }
    await bystander.check();
  });
});

describe('wrong origins', async () => {
  const { server, url } = await startServer({ allowedOrigins: ['https://app.example'] });
  const bystander = await startBystander(server, url);

  test('any origin other than the listed one is closed at once with 4505 ORIGIN_NOT_ALLOWED', async () => {
    const origins = sample('wrong origins', fc.oneof(fc.webUrl(), fc.constantFrom('null', 'https://app.example.evil', 'http://app.example', 'https://APP.example', 'https://app.example:443')), 25);
    for (const origin of origins) {
      if (origin === 'https://app.example') continue;
      const outcome = await upgradeStatus(url, { headers: { origin } });
      assert.deepEqual(outcome.close, { code: 4505, reason: 'origin not allowed' }, origin);
    }
    await bystander.check();
  });
});
