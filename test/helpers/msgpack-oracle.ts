/**
 * The independent judge of "standard MessagePack" for the property and fuzz tests: the
 * @msgpack/msgpack decoder (not msgpackr, which the product uses, and not our own scan), plus the
 * spec rules that decoder does not enforce. Each adjustment below is a deliberate, documented
 * divergence between @msgpack/msgpack and the spec (https://github.com/msgpack/msgpack/blob/master/spec.md):
 *
 * - Strings: @msgpack/msgpack decodes invalid UTF-8 leniently (replacement characters, or worse);
 *   the spec says str holds UTF-8, so the oracle decodes every str with a fatal TextDecoder first.
 * - Extensions: @msgpack/msgpack returns unknown extension types as ExtData; the spec reserves
 *   -128..-2 and leaves 0..127 to applications, so a message meant for any client may carry only
 *   the timestamp (-1). The oracle throws for every other type.
 * - Timestamps: @msgpack/msgpack does not check nanoseconds; the spec caps them at 999999999.
 * - Map keys: @msgpack/msgpack throws for keys that are not str or int, and for the key
 *   "__proto__"; the spec allows any key. The oracle accepts both (it renames what it must).
 * - Map keys for the codec (not the spec): msgpackr decodes maps into plain objects, so the
 *   protocol takes str, int, float, bool and nil keys only (docs/protocol.md §2.2); an array, map,
 *   bin or timestamp key is standard but refused by the codec. `{ scalarKeys: true }` applies it.
 * - Depth: @msgpack/msgpack has no nesting limit; the protocol refuses more than
 *   MAX_MSGPACK_DEPTH open arrays/maps (docs/protocol.md §2.2), and so does the oracle.
 */
import { DecodeError, Decoder, ExtensionCodec, decodeTimestampToTimeSpec } from '@msgpack/msgpack';
import { MAX_MSGPACK_DEPTH } from '../../src/protocol/index.js';

const fatalUtf8 = new TextDecoder('utf-8', { fatal: true });

const extensions = new ExtensionCodec();
for (let type = -128; type <= 127; type++) {
  if (type === -1) continue;
  extensions.register({
    type,
    encode: () => null,
    decode: () => {
      throw new DecodeError(`extension type ${type} is not standard`);
    },
  });
}
extensions.register({
  type: -1,
  encode: () => null,
  decode: (data) => {
    const { sec, nsec } = decodeTimestampToTimeSpec(data);
    if (nsec > 999_999_999) throw new DecodeError(`timestamp nanoseconds ${nsec} > 999999999`);
    return new Timestamp(sec, nsec);
  },
});

/** A decoded timestamp: a class, so the depth walk cannot mistake it for a map. */
export class Timestamp {
  constructor(readonly seconds: number, readonly nanoseconds: number) {}
}

/** A key that was an array or map: its depth travels in the string, for the depth rule. */
const NESTED_KEY = '\u0000nested-key-depth:';

// Set while decoding when a key was neither str, number, bool nor nil (decoding is synchronous).
let nonScalarKey: string | undefined;

function keyConverter(key: unknown): string | number {
  if (typeof key === 'string' || typeof key === 'number') return key;
  if (key !== null && typeof key !== 'boolean' && typeof key !== 'bigint') nonScalarKey ??= key instanceof Uint8Array ? 'bin' : key instanceof Timestamp ? 'timestamp' : Array.isArray(key) ? 'array' : 'map';
  const depth = depthOf(key);
  return depth > 0 ? `${NESTED_KEY}${depth}` : String(key);
}

/** @msgpack/msgpack's decoder with fatal UTF-8 and "__proto__" renamed (see the header). */
class StrictDecoder extends Decoder {
  constructor() {
    super({ extensionCodec: extensions, mapKeyConverter: keyConverter, useBigInt64: true });
  }
}
// decodeUtf8String is a (TypeScript-private) method of Decoder; wrapping it is the one hook that
// sees every str, keys included, as bytes.
const proto = Decoder.prototype as unknown as { decodeUtf8String(byteLength: number, headerOffset: number): string };
const original = proto.decodeUtf8String;
(StrictDecoder.prototype as unknown as typeof proto).decodeUtf8String = function (this: { bytes: Uint8Array; pos: number }, byteLength: number, headerOffset: number): string {
  const start = this.pos + headerOffset;
  if (start + byteLength <= this.bytes.length) {
    try {
      fatalUtf8.decode(this.bytes.subarray(start, start + byteLength));
    } catch {
      throw new DecodeError(`str at byte ${start} is not valid UTF-8`);
    }
  }
  const text = original.call(this, byteLength, headerOffset);
  return text === '__proto__' ? '\u0000proto' : text;
};

/** Depth of nested arrays/maps in a decoded value (0 for a scalar), without recursion. */
function depthOf(root: unknown): number {
  let max = 0;
  const stack: Array<[unknown, number]> = [[root, 0]];
  while (stack.length > 0) {
    const [value, parentDepth] = stack.pop()!;
    if (value === null || typeof value !== 'object' || value instanceof Uint8Array || value instanceof Timestamp) continue;
    if (Array.isArray(value)) {
      const depth = parentDepth + 1;
      if (depth > max) max = depth;
      for (const item of value) stack.push([item, depth]);
    } else {
      const depth = parentDepth + 1;
      if (depth > max) max = depth;
      for (const [key, item] of Object.entries(value)) {
        if (key.startsWith(NESTED_KEY)) max = Math.max(max, depth + Number(key.slice(NESTED_KEY.length)));
        stack.push([item, depth]);
      }
    }
  }
  return max;
}

/** The oracle's verdict on a WebSocket message or body: the values, or why the spec refuses it. */
export type OracleVerdict = { ok: true; values: unknown[] } | { ok: false; reason: string };

/** What to judge beyond the spec. */
export interface JudgeOptions {
  /** Refuse map keys that are arrays, maps, bin or timestamps (what the codec can decode). @default false */
  scalarKeys?: boolean;
}

// Verdicts on inputs the property tests generate again and again by reference (the 100,000-deep
// constant of msgpack-arbitraries.ts), each kept with a copy of its bytes. Decoding that input is
// ~100 ms of allocation and GC each time, and it comes up about once per hundred runs: most of the
// oracle tests' time. A verdict is reused only while the bytes still equal the copy, so a caller
// that mutates its array is judged afresh; the code under test still sees every input.
const remembered = new WeakMap<Uint8Array, { copy: Uint8Array; verdicts: Map<boolean, OracleVerdict> }>();
// Below this size decoding is cheaper than keeping a copy.
const REMEMBER_FROM_BYTES = 4096;

/** Judges bytes as a sequence of one or more standard msgpack values (a WebSocket message). */
export function judgeSequence(bytes: Uint8Array, options: JudgeOptions = {}): OracleVerdict {
  if (bytes.length < REMEMBER_FROM_BYTES) return decideSequence(bytes, options);
  const scalarKeys = options.scalarKeys === true;
  let entry = remembered.get(bytes);
  if (entry === undefined || !Buffer.from(entry.copy.buffer, entry.copy.byteOffset, entry.copy.length).equals(bytes)) {
    entry = { copy: bytes.slice(), verdicts: new Map() };
    remembered.set(bytes, entry);
  }
  let verdict = entry.verdicts.get(scalarKeys);
  if (verdict === undefined) {
    verdict = decideSequence(bytes, options);
    entry.verdicts.set(scalarKeys, verdict);
  }
  return verdict;
}

function decideSequence(bytes: Uint8Array, options: JudgeOptions): OracleVerdict {
  if (bytes.length === 0) return { ok: false, reason: 'empty' };
  let values: unknown[];
  nonScalarKey = undefined;
  try {
    values = [...new StrictDecoder().decodeMulti(bytes)];
  } catch (err) {
    return { ok: false, reason: (err as Error).message };
  }
  if (options.scalarKeys && nonScalarKey !== undefined) return { ok: false, reason: `map key of type ${nonScalarKey}` };
  for (const value of values) {
    const depth = depthOf(value);
    if (depth > MAX_MSGPACK_DEPTH) return { ok: false, reason: `nesting depth ${depth}` };
  }
  return { ok: true, values };
}

/** Judges bytes as exactly one standard msgpack value (an HTTP body, a packed payload). */
export function judgeValue(bytes: Uint8Array, options: JudgeOptions = {}): OracleVerdict {
  const verdict = judgeSequence(bytes, options);
  if (verdict.ok && verdict.values.length !== 1) return { ok: false, reason: `${verdict.values.length} values` };
  return verdict;
}
