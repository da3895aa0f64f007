import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { encode } from '@msgpack/msgpack';
import { Packr } from 'msgpackr';
import {
  ErrorCode,
  MAX_MSGPACK_DEPTH,
  ProtocolError,
  assertStandardMsgpack,
  assertStandardMsgpackSequence,
  scanStandardMsgpack,
} from '../../../src/protocol/index.js';

const bytes = (hex: string) => Uint8Array.from(Buffer.from(hex.replace(/\s+/g, ''), 'hex'));

/** Asserts BAD_FRAME (101 on the wire) with a message naming the offset and the problem. */
function refused(input: Uint8Array, offset: number, problem: RegExp, check: (b: Uint8Array) => unknown = assertStandardMsgpack): void {
  assert.throws(
    () => check(input),
    (err: unknown) => {
      assert.ok(err instanceof ProtocolError, String(err));
      assert.equal(err.code, 101);
      assert.match(err.message, new RegExp(`^invalid msgpack at byte ${offset}: `));
      assert.match(err.message, problem);
      return true;
    },
    Buffer.from(input).toString('hex'),
  );
}

function nested(depth: number, innermost = '01'): Uint8Array {
  return bytes('91'.repeat(depth) + innermost);
}

describe('scanStandardMsgpack accepts every standard format', () => {
  test('one example of each format, with the offset just past it', () => {
    const cases = [
      '00', '7f', 'e0', 'ff', 'c0', 'c2', 'c3',
      'cc ff', 'cd ffff', 'ce ffffffff', 'cf ffffffffffffffff',
      'd0 80', 'd1 8000', 'd2 80000000', 'd3 8000000000000000',
      'ca 3f800000', 'cb 3ff0000000000000',
      'a0', 'a3 616263', 'd9 03 616263', 'da 0003 616263', 'db 00000003 616263',
      'c4 02 c1ff', 'c5 0002 c1ff', 'c6 00000002 c1ff', // bin may hold any byte, 0xc1 included
      '90', '92 01 02', 'dc 0002 01 02', 'dd 00000002 01 02',
      '80', '81 a1 61 01', 'de 0001 a1 61 01', 'df 00000001 a1 61 01',
      '81 c0 01', '81 91 01 02', // any key type is standard
      'd6 ff 00000001', // timestamp 32
      'd7 ff ee6b27fc 00000001', // timestamp 64, nanoseconds 999999999
      'c7 0c ff 3b9ac9ff 0000000000000001', // timestamp 96, nanoseconds 999999999
      'c7 04 ff 00000001', // a timestamp is judged by its length, whatever ext header carries it
      'a4 e282ac41', // "€A"
      'a4 f09f9880', // U+1F600
    ];
    for (const hex of cases) {
      const input = bytes(hex);
      assert.equal(scanStandardMsgpack(input), input.length, hex);
      assert.doesNotThrow(() => assertStandardMsgpack(input), hex);
    }
  });

  test('what @msgpack/msgpack and our Packr write is accepted', () => {
    const packr = new Packr({ useRecords: false, encodeUndefinedAsNil: true, variableMapSize: true });
    const values = [null, true, -1, 2 ** 40, -(2 ** 40), 1.5, 'text', 'x'.repeat(70_000), new Uint8Array(300), [1, [2, [3]]], { a: { b: 'c' } }, new Date(0), new Date(2 ** 35 * 1000), new Date(-1)];
    for (const value of values) {
      assert.doesNotThrow(() => assertStandardMsgpack(encode(value)));
      assert.doesNotThrow(() => assertStandardMsgpack(packr.pack(value)));
    }
  });

  test('scans from an offset and stops at the end of the value', () => {
    const input = bytes('93 01 02 03 c0 a1 61');
    assert.equal(scanStandardMsgpack(input, 0), 4);
    assert.equal(scanStandardMsgpack(input, 4), 5);
    assert.equal(scanStandardMsgpack(input, 5), 7);
    assert.equal(assertStandardMsgpackSequence(input), 3);
  });
});

describe('scanStandardMsgpack refuses what is not standard msgpack', () => {
  test('0xc1 wherever a value starts', () => {
    refused(bytes('c1'), 0, /0xc1 is never used/);
    refused(bytes('94 03 00 a1 74 c1'), 5, /0xc1 is never used/);
    refused(bytes('81 c1 01'), 1, /0xc1/);
  });

  test('every extension type but the timestamp (msgpackr BigInt 0x42, typed arrays 0x74, records 0x72, undefined 0)', () => {
    refused(bytes('d4 42 00'), 0, /extension type 66 is not allowed/);
    refused(bytes('c7 03 74 01 0102'), 0, /extension type 116/);
    refused(bytes('d4 00 00'), 0, /extension type 0 /);
    refused(bytes('d5 fe 0000'), 0, /extension type -2 /);
    refused(bytes('92 01 d6 72 00000000'), 2, /extension type 114/);
    const msgpackr = new Packr({ moreTypes: true, useRecords: true, structuredClone: true });
    for (const value of [2n ** 70n, new Float32Array([1]), new Set([1]), new Error('e'), /x/, [{ a: 1 }, { a: 2 }]]) {
      assert.throws(() => assertStandardMsgpack(msgpackr.pack(value)), ProtocolError, String(value));
    }
  });

  test('timestamps of another length, or with nanoseconds of a second or more', () => {
    for (const hex of ['d4 ff 01', 'd5 ff 0102', 'd8 ff' + '00'.repeat(16), 'c7 00 ff', 'c7 05 ff 0000000001', 'c7 0d ff' + '00'.repeat(13)]) {
      refused(bytes(hex), 0, /timestamp extension of \d+ bytes \(must be 4, 8 or 12\)/);
    }
    refused(bytes('d7 ff ee6b2800 00000001'), 0, /timestamp nanoseconds 1000000000 exceed 999999999/);
    refused(bytes('c7 0c ff 3b9aca00 0000000000000001'), 0, /timestamp nanoseconds 1000000000 exceed/);
    refused(bytes('c7 0c ff ffffffff 0000000000000001'), 0, /nanoseconds 4294967295/);
  });

  test('str (values and map keys) that is not UTF-8, at the offending byte', () => {
    refused(bytes('a2 c328'), 1, /str starting at byte 0 is not valid UTF-8/); // bad continuation
    refused(bytes('a2 c0af'), 1, /not valid UTF-8/); // overlong "/"
    refused(bytes('a3 e080af'), 1, /not valid UTF-8/); // overlong 3-byte
    refused(bytes('a3 eda080'), 1, /not valid UTF-8/); // UTF-16 surrogate D800
    refused(bytes('a4 f4908080'), 1, /not valid UTF-8/); // above U+10FFFF
    refused(bytes('a1 ff'), 1, /not valid UTF-8/);
    refused(bytes('a1 80'), 1, /not valid UTF-8/); // lone continuation byte
    refused(bytes('a2 41e2'), 2, /not valid UTF-8/); // sequence cut by the str's end
    refused(bytes('82 a1 61 01 a2 61ff 02'), 6, /str starting at byte 4 is not valid UTF-8/);
  });

  test('truncated values at every cut, with absurd declared lengths caught before reading on', () => {
    const full = bytes('94 03 00 aa 7072696365733a627463 82 a1 70 cb 3ff8000000000000 a1 71 c4 03 010203');
    assert.equal(scanStandardMsgpack(full), full.length);
    for (let cut = 0; cut < full.length; cut++) {
      assert.throws(() => assertStandardMsgpack(full.subarray(0, cut)), (err: unknown) => err instanceof ProtocolError && err.code === ErrorCode.BadFrame && /truncated|no value/.test(err.message), `cut at ${cut}`);
    }
    refused(bytes('dd ffffffff 01'), 0, /truncated: 4294967295 elements declared, 1 bytes left/);
    refused(bytes('df ffffffff 01'), 0, /truncated: 8589934590 elements declared/);
    refused(bytes('db ffffffff 61'), 0, /truncated str of 4294967295 bytes/);
    refused(bytes('c6 ffffffff 61'), 0, /truncated bin of 4294967295 bytes/);
    refused(bytes('c9 ffffffff ff 00'), 0, /truncated ext of 4294967295 bytes/);
    refused(bytes(''), 0, /no value \(empty input\)/);
  });

  test('nesting: MAX_MSGPACK_DEPTH arrays/maps are fine, one more is refused, a million fails without a stack overflow', () => {
    assert.equal(MAX_MSGPACK_DEPTH, 128);
    assert.doesNotThrow(() => assertStandardMsgpack(nested(MAX_MSGPACK_DEPTH)));
    assert.doesNotThrow(() => assertStandardMsgpack(nested(MAX_MSGPACK_DEPTH - 1, '90')));
    refused(nested(MAX_MSGPACK_DEPTH, '90'), MAX_MSGPACK_DEPTH, /nesting deeper than 128 arrays\/maps/);
    refused(nested(MAX_MSGPACK_DEPTH + 1), MAX_MSGPACK_DEPTH, /nesting deeper than 128/);
    refused(bytes('81a161'.repeat(MAX_MSGPACK_DEPTH + 1) + '01'), 3 * MAX_MSGPACK_DEPTH, /nesting deeper/);
    refused(nested(1_000_000), MAX_MSGPACK_DEPTH, /nesting deeper/);
    // A deep value does not leave state behind for the next scan.
    assert.equal(scanStandardMsgpack(bytes('92 01 02')), 3);
  });

  test('trailing bytes after a single value', () => {
    refused(bytes('91 01 02'), 2, /1 bytes after the value/);
    refused(bytes('91 01 c1'), 2, /1 bytes after the value/);
  });

  test('a sequence must be complete values all the way to the end', () => {
    assert.equal(assertStandardMsgpackSequence(bytes('92 05 01 92 05 02')), 2);
    refused(bytes('92 05 01 c1'), 3, /0xc1/, assertStandardMsgpackSequence);
    refused(bytes('92 05 01 92 05'), 3, /truncated/, assertStandardMsgpackSequence);
    refused(bytes('92 05 01 a1 ff'), 4, /not valid UTF-8/, assertStandardMsgpackSequence);
  });
});
