/**
 * fast-check generators of msgpack bytes for the strict-msgpack property tests and the live fuzz:
 * standard messages encoded with @msgpack/msgpack (never with msgpackr or our codec), and hostile
 * ones built to hit each rule of docs/protocol.md §2.2 (0xc1, msgpackr extensions, timestamps of
 * the wrong length, truncation, trailing garbage, invalid UTF-8, deep nesting).
 */
import { encode } from '@msgpack/msgpack';
import fc from 'fast-check';
import { Packr } from 'msgpackr';

const leaf = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 64n - 1n }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.string({ maxLength: 40 }),
  fc.boolean(),
  fc.constant(null),
  fc.uint8Array({ maxLength: 40 }),
  fc.date({ noInvalidDate: true }),
);

/** A JavaScript value @msgpack/msgpack can encode (bigints within 64 bits, dates as timestamps). */
export const standardValue: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, fc.array(tie('value'), { maxLength: 4 }), fc.dictionary(fc.string({ maxLength: 8 }), tie('value'), { maxKeys: 4 })),
})).value;

/** The standard encoding of a value, by the oracle's library. */
export function encodeStandard(value: unknown): Uint8Array {
  return encode(value, { useBigInt64: true });
}

function concat(parts: ArrayLike<number>[]): Uint8Array {
  const out: number[] = [];
  for (const part of parts) for (let i = 0; i < part.length; i++) out.push(part[i]!);
  return Uint8Array.from(out);
}

/** One to three standard values back to back: a valid message. */
export const standardMessage: fc.Arbitrary<Uint8Array> = fc.array(standardValue, { minLength: 1, maxLength: 3 }).map((values) => concat(values.map(encodeStandard)));

const nonEmptyStandard = standardMessage.filter((bytes) => bytes.length > 0);

/** msgpackr with everything that is not standard switched on. */
const msgpackrExtended = new Packr({ moreTypes: true, useRecords: true, structuredClone: true, useBigIntExtension: true } as ConstructorParameters<typeof Packr>[0]);
const msgpackrOnlyValue = fc.oneof(
  fc.bigInt({ min: 2n ** 64n, max: 2n ** 200n }),
  fc.constantFrom<unknown>(new Int16Array([1, -1]), new Float64Array([0.5]), new Set(['a']), new Error('boom'), /x+/g, [{ a: 1 }, { a: 2 }], new ArrayBuffer(4)),
);

/** An extension header around `data` (type byte first), in the given format. */
function extension(type: number, payload: Uint8Array, format: 'fixext' | 'ext8' | 'ext16' | 'ext32'): Uint8Array {
  const n = payload.length;
  const fixed: Record<number, number> = { 1: 0xd4, 2: 0xd5, 4: 0xd6, 8: 0xd7, 16: 0xd8 };
  const typeByte = type & 0xff;
  if (format === 'fixext' && fixed[n] !== undefined) return concat([[fixed[n]!, typeByte], payload]);
  if (format === 'ext16') return concat([[0xc8, n >> 8, n & 0xff, typeByte], payload]);
  if (format === 'ext32') return concat([[0xc9, 0, 0, n >> 8, n & 0xff, typeByte], payload]);
  return concat([[0xc7, n, typeByte], payload]);
}

const anyExtension = fc
  .record({
    type: fc.oneof(fc.constant(-1), fc.constant(-1), fc.integer({ min: -128, max: 127 }), fc.constantFrom(0x42, 0x74, 0x72, 0x73, 0x65, 0x78, 0x62, 0)),
    payload: fc.oneof(fc.uint8Array({ minLength: 4, maxLength: 4 }), fc.uint8Array({ minLength: 8, maxLength: 8 }), fc.uint8Array({ minLength: 12, maxLength: 12 }), fc.uint8Array({ maxLength: 17 })),
    format: fc.constantFrom('fixext' as const, 'ext8' as const, 'ext16' as const, 'ext32' as const),
  })
  .map(({ type, payload, format }) => extension(type, payload, format));

/** A str header for `n` bytes. */
function strHeader(n: number, wide: boolean): number[] {
  if (!wide && n < 32) return [0xa0 | n];
  return n < 256 ? [0xd9, n] : [0xda, n >> 8, n & 0xff];
}

/** A str whose bytes are random (mostly not UTF-8), as a value or as a map key. */
const rawString = fc.record({ raw: fc.uint8Array({ minLength: 1, maxLength: 12 }), wide: fc.boolean(), asKey: fc.boolean() }).map(({ raw, wide, asKey }) => {
  const s = concat([strHeader(raw.length, wide), raw]);
  return asKey ? concat([[0x81], s, [0x01]]) : s;
});

/** `value` inside a Publish-shaped frame `[3, 0, "t", value]`, so hostile data sits where data goes. */
function inFrame(value: Uint8Array): Uint8Array {
  return concat([[0x94, 0x03, 0x00, 0xa1, 0x74], value]);
}

const deep = fc.oneof(
  fc.integer({ min: 100, max: 160 }).map((depth) => new Uint8Array(depth + 1).fill(0x91).fill(0x01, depth)),
  fc.constant(new Uint8Array(100_001).fill(0x91).fill(0x01, 100_000)),
  fc.integer({ min: 120, max: 140 }).map((depth) => concat([Array.from({ length: depth }, () => [0x81, 0xa0]).flat(), [0xc0]])),
);

/** Bytes meant to break the rules, each kind often embedded in an otherwise valid frame. */
export const hostileMessage: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.uint8Array({ minLength: 0, maxLength: 64 }),
  // 0xc1 spliced into, or written over, a valid message
  fc.tuple(nonEmptyStandard, fc.nat(), fc.boolean()).map(([bytes, at, overwrite]) => {
    const i = at % (bytes.length + 1);
    return overwrite && i < bytes.length ? Uint8Array.from(bytes, (b, j) => (j === i ? 0xc1 : b)) : concat([bytes.subarray(0, i), [0xc1], bytes.subarray(i)]);
  }),
  msgpackrOnlyValue.map((value) => inFrame(msgpackrExtended.pack(value))),
  anyExtension.map((ext) => (ext.length % 2 === 0 ? inFrame(ext) : ext)),
  // truncated: every strict prefix of a valid message
  fc.tuple(nonEmptyStandard, fc.nat()).map(([bytes, at]) => bytes.subarray(0, at % bytes.length)),
  // trailing garbage after valid values
  fc.tuple(nonEmptyStandard, fc.uint8Array({ minLength: 1, maxLength: 8 })).map(([bytes, tail]) => concat([bytes, tail])),
  rawString.map((s) => (s.length % 2 === 0 ? inFrame(s) : s)),
  deep,
  // one random byte changed
  fc.tuple(nonEmptyStandard, fc.nat(), fc.integer({ min: 0, max: 255 })).map(([bytes, at, byte]) => Uint8Array.from(bytes, (b, j) => (j === at % bytes.length ? byte : b))),
);
