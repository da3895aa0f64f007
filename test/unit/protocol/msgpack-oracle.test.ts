/**
 * Property tests of the strict msgpack scan against an independent oracle: @msgpack/msgpack's
 * decoder plus the spec rules it does not enforce (test/helpers/msgpack-oracle.ts lists each
 * deliberate divergence). Valid values are encoded with @msgpack/msgpack, never with msgpackr or
 * our codec, so neither side of the comparison grades its own homework. Seeds are printed;
 * FC_SEED=<n> replays a run.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { encode } from '@msgpack/msgpack';
import fc from 'fast-check';
import { Packr } from 'msgpackr';
import {
  Kind,
  MAX_MSGPACK_DEPTH,
  ProtocolError,
  assertStandardMsgpack,
  assertStandardMsgpackSequence,
  msgpackCodec,
  packValue,
  unpackValue,
  type Frame,
} from '../../../src/protocol/index.js';
import { seeded } from '../../helpers/fc-seed.js';
import { judgeSequence, judgeValue } from '../../helpers/msgpack-oracle.js';
import { hostileMessage, standardMessage, standardValue } from '../../helpers/msgpack-arbitraries.js';

/** Our verdict: accepted (with the number of values) or the ProtocolError's message. */
function ours(check: () => number): { ok: true; count: number } | { ok: false; reason: string } {
  try {
    return { ok: true, count: check() };
  } catch (err) {
    assert.ok(err instanceof ProtocolError && err.code === 101, `not a BAD_FRAME ProtocolError: ${String(err)}`);
    return { ok: false, reason: err.message };
  }
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

describe('the scan accepts exactly what the oracle accepts', () => {
  test('messages (sequences of values): valid, random, spliced 0xc1, msgpackr extensions, bad timestamps, truncated, trailing garbage, bad UTF-8, deep', () => {
    fc.assert(
      fc.property(fc.oneof(standardMessage, hostileMessage), (bytes) => {
        const oracle = judgeSequence(bytes);
        const scan = ours(() => assertStandardMsgpackSequence(bytes));
        assert.equal(scan.ok, oracle.ok, `${hex(bytes)}: scan ${JSON.stringify(scan)}, oracle ${oracle.ok ? 'accepts' : oracle.reason}`);
        if (scan.ok && oracle.ok) assert.equal(scan.count, oracle.values.length);
        // The codec is all or nothing per message; it also needs scalar map keys (plain objects).
        const forCodec = judgeSequence(bytes, { scalarKeys: true });
        const decoded = ours(() => msgpackCodec.decode(bytes).length);
        assert.deepEqual(decoded.ok, forCodec.ok, `codec on ${hex(bytes)}: ${JSON.stringify(decoded)}, oracle ${forCodec.ok ? 'accepts' : forCodec.reason}`);
        if (decoded.ok && forCodec.ok) assert.equal(decoded.count, forCodec.values.length);
      }),
      seeded('scan vs oracle, messages', { numRuns: 6000 }),
    );
  });

  test('single values (HTTP msgpack bodies): exactly one value, nothing after it', () => {
    fc.assert(
      fc.property(fc.oneof(standardMessage, hostileMessage), (bytes) => {
        const oracle = judgeValue(bytes);
        const scan = ours(() => (assertStandardMsgpack(bytes), 1));
        assert.equal(scan.ok, oracle.ok, `${hex(bytes)}: scan ${JSON.stringify(scan)}, oracle ${oracle.ok ? 'accepts' : oracle.reason}`);
        assert.equal(ours(() => (unpackValue(bytes), 1)).ok, judgeValue(bytes, { scalarKeys: true }).ok, `unpackValue on ${hex(bytes)}`);
      }),
      seeded('scan vs oracle, single values', { numRuns: 3000 }),
    );
  });

  test('nesting right around the limit', () => {
    const nesting = fc.record({ depth: fc.integer({ min: MAX_MSGPACK_DEPTH - 3, max: MAX_MSGPACK_DEPTH + 3 }), maps: fc.array(fc.boolean(), { minLength: 140, maxLength: 140 }), leaf: fc.constantFrom([0x01], [0x90], [0x80], [0xa0]) });
    fc.assert(
      fc.property(nesting, ({ depth, maps, leaf }) => {
        const head: number[] = [];
        for (let i = 0; i < depth; i++) head.push(...(maps[i] ? [0x81, 0xa0] : [0x91]));
        const bytes = Uint8Array.from([...head, ...leaf]);
        assert.equal(ours(() => assertStandardMsgpackSequence(bytes)).ok, judgeSequence(bytes).ok, `depth ${depth}, leaf ${leaf}`);
      }),
      seeded('scan vs oracle, depth', { numRuns: 300 }),
    );
  });
});

describe('what we emit is standard msgpack', () => {
  // JavaScript values of every kind an application might publish or answer with, including the
  // ones msgpackr would write with its own extensions.
  const jsValue = fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: 'small' },
      fc.anything({ maxDepth: 2, withBigInt: true, withDate: true, withTypedArray: true, withMap: true, withSet: true, withNullPrototype: true, withSparseArray: true }),
      fc.bigInt(),
      fc.date(), // includes invalid dates
      fc.string({ unit: 'binary' }),
      fc.constantFrom(new Error('e'), /re/g, new ArrayBuffer(3), new DataView(new ArrayBuffer(2)), Number.NaN, -0, Infinity, undefined, '\ud800', 'a\udc00'),
      fc.array(tie('value'), { maxLength: 3 }),
      fc.dictionary(fc.string(), tie('value'), { maxKeys: 3 }),
    ),
  })).value;

  test('packValue returns bytes the oracle accepts as one value, or throws BAD_FRAME', () => {
    fc.assert(
      fc.property(jsValue, (value) => {
        let bytes: Uint8Array;
        try {
          bytes = packValue(value);
        } catch (err) {
          assert.ok(err instanceof ProtocolError && err.code === 101, String(err));
          return;
        }
        const oracle = judgeValue(bytes);
        assert.ok(oracle.ok, `${hex(bytes)}: ${oracle.ok || oracle.reason}`);
      }),
      seeded('packValue output vs oracle', { numRuns: 2000 }),
    );
  });

  test('every frame the codec encodes is read by the oracle', () => {
    fc.assert(
      fc.property(jsValue, fc.string(), fc.nat(), (data, text, n) => {
        const frames: Frame[] = [
          { kind: Kind.Message, topic: 't', seq: n, data },
          { kind: Kind.Reply, id: n, data },
          { kind: Kind.Push, data },
          { kind: Kind.Error, id: n, code: 101, message: text },
          { kind: Kind.Join, topic: 't', connectionId: text, userId: null, info: data },
          { kind: Kind.Publish, id: n, topic: text, data },
        ];
        const bytes = msgpackCodec.encodeBatch(frames) as Uint8Array;
        const oracle = judgeSequence(bytes);
        assert.ok(oracle.ok && oracle.values.length === frames.length, `${hex(bytes)}: ${oracle.ok || oracle.reason}`);
      }),
      seeded('codec output vs oracle', { numRuns: 1000 }),
    );
  });

  test('values @msgpack/msgpack encodes survive our decode and re-encode as standard msgpack', () => {
    fc.assert(
      fc.property(standardValue, (value) => {
        const bytes = encode(value, { useBigInt64: true });
        if (!judgeValue(bytes).ok) return; // e.g. deeper than the limit; covered above
        assert.ok(judgeValue(packValue(unpackValue(bytes))).ok);
      }),
      seeded('decode + re-encode vs oracle', { numRuns: 1000 }),
    );
  });
});

test('msgpackr-only encodings are refused by the scan and by the oracle alike', () => {
  const msgpackr = new Packr({ moreTypes: true, useRecords: true, structuredClone: true, useBigIntExtension: true } as ConstructorParameters<typeof Packr>[0]);
  for (const value of [2n ** 70n, new Int16Array([1, 2]), new Set([1]), new Error('e'), /x/g, [{ a: 1 }, { a: 2 }]]) {
    const bytes = msgpackr.pack(value);
    assert.equal(judgeValue(bytes).ok, false, `oracle on ${hex(bytes)}`);
    assert.throws(() => assertStandardMsgpack(bytes), ProtocolError, hex(bytes));
  }
});
