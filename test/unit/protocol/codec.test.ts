import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { Packr } from 'msgpackr';
import {
  ErrorCode,
  Kind,
  ProtocolError,
  jsonCodec,
  jsonMessageFrame,
  msgpackCodec,
  packValue,
  toClientFrame,
  toServerFrame,
  toWire,
  type ClientFrame,
  type Codec,
  type ServerFrame,
  unpackValue,
} from '../../../src/protocol/index.js';
import { seeded } from '../../helpers/fc-seed.js';

const clientFrames: ClientFrame[] = [
  { kind: Kind.Subscribe, id: 1, topics: ['prices:btc', 'chat:lobby'] },
  {
    kind: Kind.Subscribe,
    id: 2,
    topics: ['prices:btc', 'private:desk'],
    positions: { 'prices:btc': { epoch: 'k3x9', seq: 41 } },
    tokens: { 'private:desk': 'eyJhbGciOi.x.y' },
  },
  { kind: Kind.Subscribe, id: 3, topics: ['prices:btc', 'prices:eth'], latest: true },
  { kind: Kind.Unsubscribe, id: 0, topics: ['prices:btc'] },
  { kind: Kind.Publish, id: 0, topic: 'chat:lobby', data: { text: 'hi', n: [1, 2.5, null, true] } },
  { kind: Kind.Publish, id: 7, topic: 'chat:lobby', data: 'acked' },
  { kind: Kind.Rpc, id: 9, method: 'add', data: { a: 1, b: 2 } },
  { kind: Kind.Ping, id: 3 },
  { kind: Kind.Send, id: 0, data: 'hello' },
  { kind: Kind.Refresh, id: 4, token: 'eyJhbGciOi.a.b' },
  { kind: Kind.Presence, id: 4, topic: 'chat:lobby' },
  { kind: Kind.History, id: 5, topic: 'prices:btc', epoch: 'k3x9', seq: 40 },
];

const serverFrames: ServerFrame[] = [
  { kind: Kind.Welcome, connectionId: 'abc-1', serverTime: 1_700_000_000_000, version: 1, limits: { maxPayloadBytes: 65536, maxSubscriptions: 1000, maxTopicBytes: 256 } },
  { kind: Kind.Message, topic: 'prices:btc', seq: 42, data: { p: 101.5 } },
  { kind: Kind.Reply, id: 9, data: 3 },
  { kind: Kind.Error, id: 4, code: ErrorCode.NotFound, message: 'no rpc method "x"' },
  { kind: Kind.Join, topic: 'chat:lobby', connectionId: 'abc-2', userId: 'u1' },
  { kind: Kind.Leave, topic: 'chat:lobby', connectionId: 'abc-2', userId: null },
  { kind: Kind.Join, topic: 'chat:lobby', connectionId: 'abc-3', userId: 'u2', info: { name: 'Ada' } },
  { kind: Kind.Push, data: 'Data received: hello' },
  { kind: Kind.Gap, topic: 'prices:btc', seq: 77 },
];

for (const codec of [msgpackCodec, jsonCodec] as Codec[]) {
  describe(`${codec.format} codec`, () => {
    test('round-trips every client frame kind', () => {
      for (const frame of clientFrames) {
        const [value] = codec.decode(codec.encode(frame));
        assert.deepEqual(toClientFrame(value), frame);
      }
    });

    test('round-trips every server frame kind', () => {
      for (const frame of serverFrames) {
        const [value] = codec.decode(codec.encode(frame));
        assert.deepEqual(toServerFrame(value), frame);
      }
    });

    test('carries several frames in one message, in order', () => {
      const message = codec.encodeBatch(clientFrames);
      const decoded = codec.decode(message).map(toClientFrame);
      assert.deepEqual(decoded, clientFrames);
    });

    test('rejects an empty message with BAD_FRAME', () => {
      assert.throws(() => codec.decode(codec.binary ? new Uint8Array(0) : ''), (err: unknown) => err instanceof ProtocolError && err.code === ErrorCode.BadFrame);
    });

    test('decode either returns values or throws ProtocolError for any input (fuzz)', () => {
      fc.assert(
        fc.property(codec.binary ? fc.uint8Array({ maxLength: 256 }) : fc.string({ maxLength: 256 }), (input) => {
          try {
            const values = codec.decode(input);
            for (const value of values) {
              try {
                toClientFrame(value);
              } catch (err) {
                if (!(err instanceof ProtocolError)) throw err;
              }
            }
          } catch (err) {
            if (!(err instanceof ProtocolError)) throw err;
          }
        }),
        seeded(`${codec.format} decode fuzz`, { numRuns: 2000 }),
      );
    });
  });
}

describe('msgpack specifics', () => {
  test('writes standard msgpack that a plain msgpack decoder reads (no records, undefined as nil)', () => {
    const bytes = msgpackCodec.encode({ kind: Kind.Publish, id: 0, topic: 't', data: { a: undefined, b: [1] } }) as Uint8Array;
    // fixarray(4), 3, 0, fixstr "t", fixmap(2) { "a": nil, "b": [1] }
    assert.deepEqual([...bytes], [0x94, 0x03, 0x00, 0xa1, 0x74, 0x82, 0xa1, 0x61, 0xc0, 0xa1, 0x62, 0x91, 0x01]);
  });

  test('a message is all or nothing: a valid frame followed by anything non-standard returns no frame', () => {
    const ping = [0x92, 0x05, 0x01];
    const publish = [0x94, 0x03, 0x00, 0xa1, 0x74];
    const tails = [
      [0xc1], // never used
      [0x92, 0x05], // truncated
      [0xd4, 0x42, 0x00], // msgpackr BigInt extension
      [...publish, 0xc7, 0x03, 0x74, 0x01, 0x01, 0x02], // msgpackr typed array in data
      [...publish, 0xd4, 0xff, 0x00], // timestamp of 1 byte
      [...publish, 0xa2, 0xc3, 0x28], // str that is not UTF-8
      [...publish, ...new Array(200).fill(0x91), 0x01], // nesting beyond the limit
    ];
    for (const tail of tails) {
      assert.throws(
        () => msgpackCodec.decode(Uint8Array.from([...ping, ...tail])),
        (err: unknown) => err instanceof ProtocolError && err.code === 101 && /^invalid msgpack at byte \d+: /.test(err.message),
        Buffer.from(tail).toString('hex'),
      );
    }
    assert.deepEqual(msgpackCodec.decode(Uint8Array.from([...ping, ...ping])), [[5, 1], [5, 1]]);
  });

  test('unpackValue (HTTP msgpack bodies) takes exactly one standard value', () => {
    assert.deepEqual(unpackValue(Uint8Array.from([0x81, 0xa1, 0x61, 0x01])), { a: 1 });
    for (const bad of [[0x81, 0xa1, 0x61, 0x01, 0x01], [0x81, 0xa1, 0x61, 0xc1], [0xd4, 0x42, 0x00], []]) {
      assert.throws(() => unpackValue(Uint8Array.from(bad)), (err: unknown) => err instanceof ProtocolError && err.code === 101, Buffer.from(bad).toString('hex'));
    }
  });

  test('map keys must be scalars: an array key is standard msgpack but has no plain-object form', () => {
    assert.deepEqual(msgpackCodec.decode(Uint8Array.from([0x83, 0x01, 0xa1, 0x61, 0xc0, 0xa1, 0x62, 0xc3, 0xa1, 0x63])), [{ 1: 'a', null: 'b', true: 'c' }]);
    assert.throws(() => msgpackCodec.decode(Uint8Array.from([0x81, 0x91, 0x01, 0x01])), (err: unknown) => err instanceof ProtocolError && err.code === 101);
  });

  test('JavaScript values without a standard msgpack form are mapped deliberately (docs/protocol.md §2.2)', () => {
    const hex = (value: unknown) => Buffer.from(packValue(value)).toString('hex');
    assert.equal(hex(2n ** 70n), 'cb' + '4450000000000000', 'BigInt beyond 64 bits: float 64, as in JSON mode');
    assert.equal(hex(-(2n ** 63n)), 'd3' + '8000000000000000', 'BigInt within 64 bits: int 64');
    assert.equal(hex(new Date(Number.NaN)), 'c0', 'invalid Date: nil, as JSON.stringify writes null');
    assert.equal(hex(new Int16Array([1, -1])), 'c404' + '0100ffff', 'typed array: bin of its bytes (platform order)');
    assert.equal(hex(new Set([1])), '9101', 'Set: array');
    assert.equal(hex(undefined), 'c0');
    assert.equal(hex('\ud800'), 'a3efbfbd', 'lone surrogate: U+FFFD, never invalid UTF-8');
    assert.throws(() => packValue(Symbol('s')), (err: unknown) => err instanceof ProtocolError && err.code === 101);
    // The codec's own frames use the same encoder.
    const reply = msgpackCodec.encode({ kind: Kind.Reply, id: 1, data: [new Date(Number.NaN), 2n ** 70n] }) as Uint8Array;
    assert.equal(Buffer.from(reply).toString('hex'), '931501' + '92c0cb4450000000000000');
  });

  test('truncated frames are BAD_FRAME', () => {
    const full = msgpackCodec.encode(clientFrames[2]!) as Uint8Array;
    for (let cut = 1; cut < full.length; cut++) {
      assert.throws(() => msgpackCodec.decode(full.subarray(0, cut)), (err: unknown) => err instanceof ProtocolError && err.code === ErrorCode.BadFrame, `cut at ${cut}`);
    }
  });

  test('absurd declared lengths and deep nesting are BAD_FRAME, not crashes', () => {
    const hugeArray = Uint8Array.from([0xdd, 0xff, 0xff, 0xff, 0xff, 0x01]);
    const hugeMap = Uint8Array.from([0xdf, 0xff, 0xff, 0xff, 0xff, 0x01]);
    const hugeString = Uint8Array.from([0xdb, 0xff, 0xff, 0xff, 0xff, 0x41]);
    const deep = new Uint8Array(200_000).fill(0x91);
    for (const bytes of [hugeArray, hugeMap, hugeString, deep]) {
      assert.throws(() => msgpackCodec.decode(bytes), (err: unknown) => err instanceof ProtocolError && err.code === ErrorCode.BadFrame);
    }
  });

  test('decoded binary data does not alias the input buffer (uWS reuses it after the callback)', () => {
    const input = msgpackCodec.encode({ kind: Kind.Publish, id: 0, topic: 't', data: new Uint8Array([1, 2, 3]) }) as Uint8Array;
    const copy = Uint8Array.from(input);
    const frame = toClientFrame(msgpackCodec.decode(copy)[0]);
    copy.fill(0);
    assert.deepEqual([...(frame as { data: Uint8Array }).data], [1, 2, 3]);
  });

  test('small messages are decoded from a copy: the input is neither read later nor annotated', () => {
    // codec.ts decodes messages up to 1 KiB from a reused scratch buffer (see SCRATCH_MAX_BYTES).
    const input = msgpackCodec.encode({ kind: Kind.Publish, id: 0, topic: 'topic', data: { s: 'text', b: new Uint8Array([7, 8]) } }) as Uint8Array;
    const [value] = msgpackCodec.decode(input);
    assert.equal(Object.hasOwn(input, 'dataView'), false, 'msgpackr attached a DataView to the caller\'s array');
    input.fill(0);
    assert.deepEqual(toClientFrame(value), { kind: Kind.Publish, id: 0, topic: 'topic', data: { s: 'text', b: new Uint8Array([7, 8]) } });
  });

  test('reusing the scratch buffer never changes values already decoded', () => {
    const a = msgpackCodec.encode({ kind: Kind.Publish, id: 1, topic: 'aaaa', data: new Uint8Array([1, 1, 1]) }) as Uint8Array;
    const b = msgpackCodec.encode({ kind: Kind.Publish, id: 2, topic: 'bbbb', data: new Uint8Array([2, 2, 2]) }) as Uint8Array;
    assert.equal(a.length, b.length);
    const first = msgpackCodec.decode(a);
    // A malformed message of the same length in between (fixarray(5) with four elements) must not disturb either.
    assert.throws(() => msgpackCodec.decode(Uint8Array.from(a, (_, i) => (i === 0 ? 0x95 : a[i]!))), ProtocolError);
    const second = msgpackCodec.decode(b);
    assert.deepEqual(first, [[Kind.Publish, 1, 'aaaa', new Uint8Array([1, 1, 1])]]);
    assert.deepEqual(second, [[Kind.Publish, 2, 'bbbb', new Uint8Array([2, 2, 2])]]);
  });

  test('messages of every size around the scratch limit decode the same (fuzz)', () => {
    fc.assert(
      fc.property(fc.array(fc.jsonValue(), { maxLength: 3 }), fc.integer({ min: 0, max: 1100 }), (frames, pad) => {
        const values = frames.map((data) => [Kind.Send, 0, data, 'x'.repeat(pad)]);
        const bytes = Buffer.concat(values.map((v) => new Packr({ useRecords: false }).pack(v)));
        if (bytes.length === 0) return;
        assert.deepEqual(msgpackCodec.decode(bytes), values.map((v) => new Packr({ useRecords: false }).unpack(new Packr({ useRecords: false }).pack(v))));
      }),
      seeded('scratch-limit sizes', { numRuns: 300 }),
    );
  });
});

describe('JSON specifics', () => {
  test('frames are newline-separated, and blank lines are ignored', () => {
    const values = jsonCodec.decode('[5,1]\n\n[5,2]\n');
    assert.deepEqual(values, [[5, 1], [5, 2]]);
  });

  test('invalid UTF-8 bytes are BAD_FRAME', () => {
    assert.throws(() => jsonCodec.decode(Uint8Array.from([0x5b, 0xff, 0x5d])), (err: unknown) => err instanceof ProtocolError && err.code === ErrorCode.BadFrame);
  });

  test('binary data is written as base64', () => {
    const text = jsonMessageFrame('t', 3, packValue(new Uint8Array([104, 105])));
    assert.equal(text, '[20,"t",3,"aGk="]');
  });

  test('property: binary data, also a view into a larger buffer, is the standard base64 of exactly its bytes', () => {
    const btoaOf = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(16), fc.nat(16), (bytes, before, after) => {
        const backing = new Uint8Array(before + bytes.length + after).fill(0xee);
        backing.set(bytes, before);
        const view = backing.subarray(before, before + bytes.length);
        assert.equal(jsonCodec.encode({ kind: Kind.Push, data: { b: view } }), `[25,{"b":"${btoaOf(bytes)}"}]`);
      }),
      seeded('JSON base64 of byte views'),
    );
  });
});

describe('frame shapes', () => {
  const bad = (value: unknown, code: number, id = 0) => {
    assert.throws(() => toClientFrame(value), (err: unknown) => err instanceof ProtocolError && err.code === code && err.requestId === id, JSON.stringify(value));
  };

  test('rejects non-arrays and missing kinds', () => {
    bad({ kind: 1 }, ErrorCode.BadFrame);
    bad([], ErrorCode.BadFrame);
    bad(['1', 1, ['t']], ErrorCode.BadFrame);
    bad(null, ErrorCode.BadFrame);
  });

  test('rejects unknown and server-only kinds with UNKNOWN_KIND, keeping the id', () => {
    bad([99, 4], ErrorCode.UnknownKind, 4);
    bad([Kind.Message, 5, 't', 1], ErrorCode.UnknownKind, 5);
    bad([10, 6], ErrorCode.UnknownKind, 6);
  });

  test('rejects wrong types in every field, keeping a readable id', () => {
    bad([Kind.Subscribe, -1, ['t']], ErrorCode.BadFrame);
    bad([Kind.Subscribe, 1.5, ['t']], ErrorCode.BadFrame);
    bad([Kind.Subscribe, 2, 't'], ErrorCode.BadFrame, 2);
    bad([Kind.Subscribe, 2, []], ErrorCode.BadFrame, 2);
    bad([Kind.Subscribe, 2, ['t', 3]], ErrorCode.BadFrame, 2);
    bad([Kind.Unsubscribe, 3], ErrorCode.BadFrame, 3);
    bad([Kind.Publish, 4, 5, 'data'], ErrorCode.BadFrame, 4);
    bad([Kind.Publish, 4, 't'], ErrorCode.BadFrame, 4);
    bad([Kind.Rpc, 0, 'm', null], ErrorCode.BadFrame);
    bad([Kind.Refresh, 5], ErrorCode.BadFrame, 5);
    bad([Kind.Refresh, 5, 42], ErrorCode.BadFrame, 5);
    bad([Kind.Rpc, 8, {}, null], ErrorCode.BadFrame, 8);
    bad([Kind.Send, 9], ErrorCode.BadFrame, 9);
    bad([Kind.Presence, 11], ErrorCode.BadFrame, 11);
    bad([Kind.History, 12, 't', 'e'], ErrorCode.BadFrame, 12);
    bad([Kind.History, 12, 't', 'e', -1], ErrorCode.BadFrame, 12);
    bad([Kind.History, 12, 't', 3, 1], ErrorCode.BadFrame, 12);
    bad([Kind.Subscribe, 10, ['t'], 'extras'], ErrorCode.BadFrame, 10);
    bad([Kind.Subscribe, 10, ['t'], { positions: [] }], ErrorCode.BadFrame, 10);
    bad([Kind.Subscribe, 10, ['t'], { positions: { t: ['e', -1] } }], ErrorCode.BadFrame, 10);
    bad([Kind.Subscribe, 10, ['t'], { positions: { t: [1, 1] } }], ErrorCode.BadFrame, 10);
    bad([Kind.Subscribe, 10, ['t'], { tokens: { t: 5 } }], ErrorCode.BadFrame, 10);
    for (const latest of ['yes', 1, 0, {}, [true], { t: true }]) bad([Kind.Subscribe, 10, ['t'], { latest }], ErrorCode.BadFrame, 10);
  });

  test('a "__proto__" topic in subscribe extras stays an own key', () => {
    const frame = toClientFrame(JSON.parse('[1, 1, ["__proto__"], {"positions": {"__proto__": ["e", 3]}}]'));
    assert.ok(frame.kind === Kind.Subscribe && Object.hasOwn(frame.positions ?? {}, '__proto__'));
    assert.equal(Object.getPrototypeOf(frame.kind === Kind.Subscribe ? frame.positions : null), Object.prototype);
  });

  test('subscribe extras.latest: true is kept, false or nil is no request (and the frame writes no extras)', () => {
    assert.deepEqual(toClientFrame([Kind.Subscribe, 1, ['t'], { latest: true }]), { kind: Kind.Subscribe, id: 1, topics: ['t'], latest: true });
    for (const latest of [false, null]) assert.deepEqual(toClientFrame([Kind.Subscribe, 1, ['t'], { latest }]), { kind: Kind.Subscribe, id: 1, topics: ['t'] });
    assert.deepEqual(toWire({ kind: Kind.Subscribe, id: 1, topics: ['t'], latest: true }), [Kind.Subscribe, 1, ['t'], { latest: true }]);
    assert.deepEqual(toWire({ kind: Kind.Subscribe, id: 1, topics: ['t'] }), [Kind.Subscribe, 1, ['t']], 'a frame that does not ask is unchanged on the wire');
  });

  test('ignores extra trailing elements (reserved for later versions)', () => {
    assert.deepEqual(toClientFrame([Kind.Ping, 1, 'future']), { kind: Kind.Ping, id: 1 });
  });
});
