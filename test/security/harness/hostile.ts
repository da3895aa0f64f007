/**
 * The input classes every door of the adversarial suite is driven with, independent of any door:
 * each door (doors.ts) turns a Hostile value into its own wire form and judges the answer. fast-check
 * generates them; `hostileSample` logs the seed (FC_SEED replays a run, see test/helpers/fc-seed.ts).
 */
import fc from 'fast-check';
import { sample } from '../../helpers/fc-seed.js';

/** Kinds of credential a door can be handed instead of the right one. */
export const TOKEN_KINDS = [
  'none',
  'garbage',
  'expired',
  'alg-none',
  'wrong-key',
  // A subscription token (a `topic` claim) where a connection token is expected…
  'subscription-as-connection',
  // …and a connection token where a subscription token (or a signature) is expected.
  'connection-as-subscription',
  'other-user',
] as const;
export type TokenKind = (typeof TOKEN_KINDS)[number];

export type Hostile =
  /** Objects and arrays nested `depth` levels deep where data goes. */
  | { class: 'depth'; depth: number }
  /** A payload of about `bytes` bytes where data goes. */
  | { class: 'size'; bytes: number }
  /** `bytes` (never valid UTF-8) where text goes. */
  | { class: 'utf8'; bytes: number[] }
  /** `name` where a topic, channel, method or user id goes. */
  | { class: 'name'; name: string }
  /** Subscribe then unsubscribe `names`, `rounds` times, interleaved. */
  | { class: 'churn'; names: string[]; rounds: number }
  /** A captured credential or request used again: which one is the door's `variant`-th kind. */
  | { class: 'replay'; variant: number }
  /** The wrong kind of credential. */
  | { class: 'token'; kind: TokenKind }
  /** `value` (any JSON) in the `field`-th field of the door's message, whatever type that field wants. */
  | { class: 'types'; field: number; value: unknown };

export type HostileClass = Hostile['class'];
export const CLASSES: readonly HostileClass[] = ['depth', 'size', 'utf8', 'name', 'churn', 'replay', 'token', 'types'];

/** Depths around every bound that exists somewhere (backend answers 64, msgpack 128) and far past them. */
const depth = fc.oneof(fc.constantFrom(1, 2, 63, 64, 65, 126, 127, 128, 129, 1000, 10_000), fc.integer({ min: 1, max: 20_000 }));

const KiB = 1024;
/** Sizes around the documented limits (64 KiB frames, 256 KiB Pusher bodies, 1 MiB bodies and answers, 4x frames). */
const size = fc.oneof(
  fc.constantFrom(0, 1, 60 * KiB, 64 * KiB - 64, 64 * KiB + 1, 256 * KiB - 512, 256 * KiB + 1, KiB * KiB - 512, KiB * KiB + 1, 4 * 64 * KiB + 1),
  fc.integer({ min: 0, max: 2 * KiB * KiB }),
);

/** Byte sequences that are not UTF-8: stray continuation, overlong, surrogate, truncated, past U+10FFFF, 0xff. */
const BAD_UTF8 = [[0x80], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xe2, 0x82], [0xf4, 0x90, 0x80, 0x80], [0xff], [0xfe, 0xff], [0xf8, 0x88, 0x80, 0x80, 0x80]];
// Around the bad bytes: visible ASCII that needs no escaping in a JSON string, so only the bytes are wrong.
const PLAIN = /[^\x21-\x7e]|["\\]/g;
const utf8 = fc
  .tuple(fc.string({ maxLength: 8 }), fc.constantFrom(...BAD_UTF8), fc.string({ maxLength: 8 }))
  .map(([before, bad, after]) => [...Buffer.from(before.replace(PLAIN, 'a')), ...bad, ...Buffer.from(after.replace(PLAIN, 'b'))]);

/** Prefixes that decide a name's protection on some door, and the characters that stress a name. */
const PREFIXES = ['', 'private-', 'presence-', 'private-encrypted-', 'user:', 'user:bystander', 'sealed-', 'vip:', 'hook:', 'open:', '#server-to-user-', 'bystander'];
const SUFFIXES = ['', 'x', '*', '#', '#x', '\u0000', '\n', '\u007f', 'é', '😀', '\u202e', ' ', 'a'.repeat(300), 'a'.repeat(164), '%2F', '/', '..', 'a,b'];
const name = fc.oneof(
  fc.tuple(fc.constantFrom(...PREFIXES), fc.constantFrom(...SUFFIXES)).map(([prefix, suffix]) => prefix + suffix),
  fc.tuple(fc.constantFrom(...PREFIXES), fc.string({ maxLength: 12, unit: 'binary' })).map(([prefix, suffix]) => prefix + suffix),
  fc.string({ maxLength: 300, unit: 'grapheme' }),
);

const churn = fc.record({
  names: fc.uniqueArray(fc.constantFrom(...['open:a', 'open:b', 'c', 'd', 'private-x', 'presence-y', 'hook:h', 'user:bystander', 'open:' + 'z'.repeat(200)]), { minLength: 1, maxLength: 6 }),
  rounds: fc.integer({ min: 1, max: 40 }),
});

const ARBITRARIES: { [C in HostileClass]: fc.Arbitrary<Extract<Hostile, { class: C }>> } = {
  depth: depth.map((d) => ({ class: 'depth', depth: d })),
  size: size.map((bytes) => ({ class: 'size', bytes })),
  utf8: utf8.map((bytes) => ({ class: 'utf8', bytes })),
  name: name.map((n) => ({ class: 'name', name: n })),
  churn: churn.map((c) => ({ class: 'churn', ...c })),
  replay: fc.nat(100).map((variant) => ({ class: 'replay', variant })),
  token: fc.constantFrom(...TOKEN_KINDS).map((kind) => ({ class: 'token', kind })),
  types: fc.tuple(fc.nat(20), fc.jsonValue({ maxDepth: 3 })).map(([field, value]) => ({ class: 'types', field, value })),
};

/** `count` inputs of one class for one door, seeded and logged. */
export function hostileSample<C extends HostileClass>(door: string, cls: C, count: number): Array<Extract<Hostile, { class: C }>> {
  return sample(`${door} ${cls}`, ARBITRARIES[cls] as fc.Arbitrary<Extract<Hostile, { class: C }>>, count);
}

/** JSON text of arrays nested `depth` deep around `1`. */
export function nestedJson(depth: number): string {
  return '['.repeat(depth) + '1' + ']'.repeat(depth);
}

/** A value nested `depth` deep (arrays), built without recursion. */
export function nestedValue(depth: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

/** Short text for an input in a failure list. */
export function describeHostile(input: Hostile): string {
  const text = JSON.stringify(input, (_key, value: unknown) => (typeof value === 'string' && value.length > 40 ? `${value.slice(0, 40)}…(${value.length})` : value));
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}
