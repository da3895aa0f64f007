/** The publish path's Message frame (src/protocol/message-frame.ts): byte-for-byte what msgpackr would write. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { Packr } from 'msgpackr';
import { Kind } from '../../../src/protocol/frames.js';
import { msgpackMessageFrame } from '../../../src/protocol/message-frame.js';
import { packValue } from '../../../src/protocol/msgpack-value.js';
import { seeded } from '../../helpers/fc-seed.js';

describe('msgpack Message frame', () => {
  test('msgpackMessageFrame writes the same bytes as msgpackr for any topic and seq (fuzz)', () => {
    // The head is written by hand (message-frame.ts); msgpackr's own encoding is the reference.
    const plain = new Packr({ useRecords: false, encodeUndefinedAsNil: true, variableMapSize: true });
    const seqs = fc.oneof(
      fc.constantFrom(0, 1, 0x7f, 0x80, 0xff, 0x100, 0xffff, 0x10000, 0xffffffff, 2 ** 32, 2 ** 53 - 1),
      fc.integer({ min: 0, max: 0xffffffff }),
      fc.maxSafeNat(),
    );
    const topics = fc.oneof(fc.string({ maxLength: 300 }), fc.string({ unit: 'grapheme', maxLength: 40 }), fc.constant('t'.repeat(70_000)));
    fc.assert(
      fc.property(topics, seqs, fc.jsonValue(), (topic, seq, data) => {
        assert.deepEqual(Buffer.from(msgpackMessageFrame(topic, seq, packValue(data))), Buffer.from(plain.pack([Kind.Message, topic, seq, data])));
      }),
      seeded('msgpackMessageFrame vs msgpackr', { numRuns: 1000 }),
    );
  });

  test('msgpackMessageFrame equals packing [20, topic, seq, data] directly', () => {
    const plain = new Packr({ useRecords: false, encodeUndefinedAsNil: true, variableMapSize: true });
    const cases: Array<[string, number, unknown]> = [
      ['t', 1, null],
      ['prices:btc', 255, { p: 1.5, q: 'x'.repeat(300) }],
      ['x'.repeat(40), 70_000, [1, 2, 3]],
      ['y'.repeat(256), 2 ** 40, new Uint8Array(5000)],
    ];
    for (const [topic, seq, data] of cases) {
      assert.deepEqual(Buffer.from(msgpackMessageFrame(topic, seq, packValue(data))), Buffer.from(plain.pack([Kind.Message, topic, seq, data])));
    }
  });
});
