import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  ErrorCode,
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
    assert.ok(err instanceof ProtocolError && err.code === ErrorCode.BadFrame, `decode threw ${String(err)}`);
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
        assert.ok(err.code === ErrorCode.BadFrame || err.code === ErrorCode.UnknownKind, `code ${err.code}`);
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
    fc.assert(fc.property(fc.uint8Array({ minLength: 0, maxLength: 300 }), (bytes) => void verdict(bytes)), { numRuns: 2000 });
    fc.assert(fc.property(fc.string({ maxLength: 200 }), (text) => void verdict(text, jsonCodec)), { numRuns: 1000 });
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
      { numRuns: 1000 },
    );
  });

  test('deep nesting and huge declared lengths with tiny bodies fail fast with BAD_FRAME', () => {
    for (const depth of [1000, 10_000, 200_000]) {
      const bytes = new Uint8Array(depth + 1).fill(0x91);
      bytes[depth] = 0x01;
      const result = verdict(bytes);
      if (!result.undecodable) assert.equal(result.frames[0]!.ok, false);
    }
    fc.assert(fc.property(hugeDeclared, (bytes) => assert.deepEqual(verdict(Uint8Array.from(bytes)), { undecodable: true })));
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
          assert.ok(err instanceof ProtocolError && (err.code === ErrorCode.BadFrame || err.code === ErrorCode.UnknownKind));
          const id = (value as unknown[])[1];
          if (err.requestId !== 0) assert.equal(err.requestId, id);
        }
      }),
      { numRuns: 3000 },
    );
  });

  test('invalid UTF-8 in a topic never yields a valid topic', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 20 }).filter((b) => !isUtf8(b)), (raw) => {
        const bytes = Uint8Array.from([0x93, 0x01, 0x01, 0x91, 0xd9, raw.length, ...raw]);
        const values = msgpackCodec.decode(bytes);
        const frame = toClientFrame(values[0]);
        assert.ok('topics' in frame);
        assert.notEqual(topicProblem(frame.topics[0]!, 256), null);
      }),
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

describe('live server answers exactly what the codec predicts', async () => {
  const { server, url } = await startServer({ maxPayloadBytes: 64 * 1024, clientPublish: true, messagesPerSecond: 0, bytesPerSecond: 0 });
  const bystander = await startBystander(server, url);

  /** Sends messages the codec rejects entirely and checks the server's Error frames match, in order. */
  async function sendAndCompare(raw: RawClient, messages: Uint8Array[]): Promise<number> {
    const expected: Array<{ id: number; code: number }> = [];
    let sent = 0;
    for (const message of messages) {
      const result = verdict(message);
      if (result.undecodable) {
        expected.push({ id: 0, code: ErrorCode.BadFrame });
      } else if (result.frames.every((frame) => !frame.ok)) {
        for (const frame of result.frames) if (!frame.ok) expected.push({ id: frame.id, code: frame.code });
      } else {
        continue; // contains a valid frame: its effect is covered by the other suites
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

  test('random bytes, truncated frames, deep nesting, huge declared lengths, wrong types and unknown kinds', async () => {
    const raw = await RawClient.connect(url);
    const randomBytes = fc.sample(fc.uint8Array({ minLength: 1, maxLength: 512 }), 400);
    const truncated = fc.sample(plausibleFrame, 200).map((frame) => {
      const bytes = packValue(frame);
      return bytes.subarray(0, Math.max(1, bytes.length - 1));
    });
    const wrongTyped = fc.sample(fc.oneof(wrongTypedFrame, plausibleFrame), 600).map((frame) => packValue(frame));
    const nested = [1000, 50_000].map((depth) => new Uint8Array(depth + 1).fill(0x91));
    const huge = fc.sample(hugeDeclared, 20).map((bytes) => Uint8Array.from(bytes));
    const sent = await sendAndCompare(raw, [...randomBytes, ...truncated, ...wrongTyped, ...nested, ...huge]);
    assert.ok(sent > 500, `${sent} hostile messages sent`);
    assert.equal(raw.closed, undefined);
    raw.close();
    await bystander.check();
  });

  test('a text message in msgpack mode closes with 1003, whatever it says', async () => {
    for (const text of fc.sample(fc.string({ maxLength: 50 }), 5)) {
      const raw = await RawClient.connect(url);
      raw.sendRaw(text);
      assert.equal((await raw.closedWith()).code, 1003);
    }
    await bystander.check();
  });
});

describe('wrong origins', async () => {
  const { server, url } = await startServer({ allowedOrigins: ['https://app.example'] });
  const bystander = await startBystander(server, url);

  test('any origin other than the listed one is closed at once with 4505 ORIGIN_NOT_ALLOWED', async () => {
    const origins = fc.sample(fc.oneof(fc.webUrl(), fc.constantFrom('null', 'https://app.example.evil', 'http://app.example', 'https://APP.example', 'https://app.example:443')), 25);
    for (const origin of origins) {
      if (origin === 'https://app.example') continue;
      const outcome = await upgradeStatus(url, { headers: { origin } });
      assert.deepEqual(outcome.close, { code: 4505, reason: 'origin not allowed' }, origin);
    }
    await bystander.check();
  });
});
