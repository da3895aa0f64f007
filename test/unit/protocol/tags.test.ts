/**
 * Tags and filters (src/protocol/tags.ts) through the codec: the shapes and limits documented in
 * docs/protocol.md §5.6, hostile shapes answered with BAD_FRAME (101) carrying the request id, and
 * old frames unchanged byte for byte.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ErrorCode, Kind, ProtocolError, TagLimits, compileFilter, jsonCodec, msgpackCodec, readFilter, readTags, toClientFrame, toWire, type ClientFrame, type Codec } from '../../../src/protocol/index.js';

const isBadFrame = (id: number) => (err: unknown) => err instanceof ProtocolError && err.code === ErrorCode.BadFrame && err.requestId === id;
/** Decodes one client frame as the server does: bytes to value, value to a validated frame. */
const decode = (codec: Codec, message: Uint8Array | string): ClientFrame => toClientFrame(codec.decode(message)[0]);
const long = 'k'.repeat(TagLimits.maxTagBytes + 1);

describe('publish tags on the wire', () => {
  test('a publish with tags round-trips as [3, id, topic, data, {tags}] in both formats', () => {
    const frame: ClientFrame = { kind: Kind.Publish, id: 5, topic: 'prices:btc', data: 1, tags: { venue: 'x', side: 'buy' } };
    for (const codec of [msgpackCodec, jsonCodec]) {
      const decoded = decode(codec, codec.encode(frame));
      assert.deepEqual(decoded.kind === Kind.Publish && { ...decoded, tags: { ...decoded.tags } }, frame);
    }
    assert.deepEqual(toWire(frame), [3, 5, 'prices:btc', 1, { tags: { venue: 'x', side: 'buy' } }]);
  });

  test('a publish without tags stays the 4-element frame, byte for byte', () => {
    const frame: ClientFrame = { kind: Kind.Publish, id: 5, topic: 'prices:btc', data: { p: 1 } };
    assert.deepEqual(toWire(frame), [3, 5, 'prices:btc', { p: 1 }]);
    assert.equal(jsonCodec.encode(frame), '[3,5,"prices:btc",{"p":1}]');
  });

  const hostile: Array<[string, unknown]> = [
    ['options not a map', 'tags'],
    ['tags not a map', { tags: ['a', 'b'] }],
    ['a number value', { tags: { a: 1 } }],
    ['a nested value', { tags: { a: { b: 'c' } } }],
    ['an empty key', { tags: { '': 'x' } }],
    ['a key too long', { tags: { [long]: 'x' } }],
    ['a value too long', { tags: { a: long } }],
    ['a multibyte value too long in bytes', { tags: { a: 'é'.repeat(TagLimits.maxTagBytes / 2 + 1) } }],
    ['too many tags', { tags: Object.fromEntries(Array.from({ length: TagLimits.maxTags + 1 }, (_, i) => [`k${i}`, 'v'])) }],
  ];
  for (const [name, options] of hostile) {
    test(`refuses ${name} with BAD_FRAME and the request id`, () => {
      assert.throws(() => decode(jsonCodec, JSON.stringify([3, 9, 't', 1, options])), isBadFrame(9));
    });
  }

  test('at the limits is accepted', () => {
    const tags = Object.fromEntries(Array.from({ length: TagLimits.maxTags }, (_, i) => [`${i}`.padEnd(TagLimits.maxTagBytes, 'k'), 'v'.repeat(TagLimits.maxTagBytes)]));
    const frame = decode(jsonCodec, JSON.stringify([3, 1, 't', 1, { tags }]));
    assert.deepEqual(frame.kind === Kind.Publish && { ...frame.tags }, tags);
  });

  test('a nil 5th element, an empty tags map and unknown option keys are a publish without tags', () => {
    for (const options of [null, {}, { tags: {} }, { tags: null }, { future: 1 }]) {
      assert.deepEqual(decode(jsonCodec, JSON.stringify([3, 1, 't', 1, options])), { kind: Kind.Publish, id: 1, topic: 't', data: 1 }, JSON.stringify(options));
    }
  });

  test('a "__proto__" tag is an ordinary tag', () => {
    const tags = readTags(JSON.parse('{"__proto__":"x"}'));
    assert.equal(Object.getPrototypeOf(tags), null);
    assert.equal(tags?.['__proto__'], 'x');
  });
});

describe('subscribe filter on the wire', () => {
  test('extras.filter round-trips in both formats', () => {
    const frame: ClientFrame = { kind: Kind.Subscribe, id: 2, topics: ['prices:btc'], filter: { or: [{ eq: ['venue', 'x'] }, { in: ['side', ['buy', 'sell']] }] } };
    for (const codec of [msgpackCodec, jsonCodec]) assert.deepEqual(decode(codec, codec.encode(frame)), frame);
  });

  const nest = (depth: number): unknown => (depth === 1 ? { eq: ['a', 'b'] } : { and: [nest(depth - 1)] });
  const hostile: Array<[string, unknown]> = [
    ['a string', 'venue=x'],
    ['an array', [{ eq: ['a', 'b'] }]],
    ['two operators in one node', { eq: ['a', 'b'], in: ['a', ['b']] }],
    ['an unknown operator', { ne: ['a', 'b'] }],
    ['eq with one element', { eq: ['a'] }],
    ['eq with a number', { eq: ['a', 1] }],
    ['in without a list', { in: ['a', 'b'] }],
    ['in with an empty list', { in: ['a', []] }],
    ['in with too many values', { in: ['a', Array.from({ length: TagLimits.maxInValues + 1 }, (_, i) => `${i}`)] }],
    ['and empty', { and: [] }],
    ['or not a list', { or: { eq: ['a', 'b'] } }],
    ['too deep', nest(TagLimits.maxFilterDepth + 1)],
    ['too many nodes', { or: Array.from({ length: TagLimits.maxFilterNodes }, () => ({ eq: ['a', 'b'] })) }],
    ['a key too long', { eq: [long, 'b'] }],
  ];
  for (const [name, filter] of hostile) {
    test(`refuses ${name} with BAD_FRAME and the request id`, () => {
      assert.throws(() => decode(jsonCodec, JSON.stringify([1, 4, ['t'], { filter }])), isBadFrame(4));
    });
  }

  test('the deepest and largest filters within the limits are accepted', () => {
    assert.doesNotThrow(() => readFilter(nest(TagLimits.maxFilterDepth)));
    assert.doesNotThrow(() => readFilter({ or: Array.from({ length: TagLimits.maxFilterNodes - 1 }, () => ({ eq: ['a', 'b'] })) }));
  });
});

describe('filter matching', () => {
  const match = (filter: unknown, tags: Record<string, string> | undefined) => compileFilter(readFilter(filter))(tags);

  test('eq and in need the key with a listed value', () => {
    assert.equal(match({ eq: ['venue', 'x'] }, { venue: 'x' }), true);
    assert.equal(match({ eq: ['venue', 'x'] }, { venue: 'y' }), false);
    assert.equal(match({ eq: ['venue', 'x'] }, undefined), false);
    assert.equal(match({ in: ['side', ['buy', 'sell']] }, { side: 'sell' }), true);
    assert.equal(match({ in: ['side', ['buy', 'sell']] }, { venue: 'sell' }), false);
  });

  test('inherited properties are not tags', () => {
    assert.equal(match({ eq: ['toString', 'x'] }, {}), false);
    assert.equal(match({ in: ['constructor', ['x']] }, {}), false);
  });

  test('and / or combine', () => {
    const filter = { and: [{ eq: ['venue', 'x'] }, { or: [{ eq: ['side', 'buy'] }, { eq: ['size', 'big'] }] }] };
    assert.equal(match(filter, { venue: 'x', side: 'buy' }), true);
    assert.equal(match(filter, { venue: 'x', size: 'big' }), true);
    assert.equal(match(filter, { venue: 'x', side: 'sell' }), false);
    assert.equal(match(filter, { venue: 'y', side: 'buy' }), false);
  });
});
