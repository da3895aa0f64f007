/** The in-place readers of loadtest/dialects/message-scan.ts agree with the real codec in src/protocol. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Kind, msgpackCodec, msgpackMessageFrame, packValue } from '../../src/protocol/index.js';
import { newPayload, scanMessage, scanned, scanReply, stampPayload, topicName } from '../../loadtest/dialects/message-scan.js';
import { probeEvent } from '../../loadtest/dialects/probe-text.js';

describe('scanMessage', () => {
  for (const seq of [1, 127, 128, 255, 256, 65_535, 65_536, 2 ** 32 - 1, 2 ** 40]) {
    for (const size of [8, 64, 300, 70_000]) {
      it(`reads topic, seq ${seq} and the stamp of a ${size} B payload`, () => {
        const payload = newPayload(size);
        stampPayload(payload, 123_456.789);
        const frame = Buffer.from(msgpackMessageFrame(topicName(42), seq, packValue(payload)));
        const framed = Buffer.concat([Buffer.from([1, 2, 3]), frame, Buffer.from([9])]);
        assert.equal(scanMessage(framed, 3, 3 + frame.length), true);
        assert.equal(scanned.topic, 42);
        assert.equal(scanned.seq, seq);
        assert.equal(scanned.sentUs, 123_456.789);
      });
    }
  }

  it('says where each frame ends, so every frame of a coalesced message is read', () => {
    const frames = [1, 2, 3].map((seq) => Buffer.from(msgpackMessageFrame(topicName(seq), seq, packValue(newPayload(8 + seq * 100)))));
    const message = Buffer.concat(frames);
    const seen: number[] = [];
    let at = 0;
    while (at >= 0 && at < message.length && scanMessage(message, at, message.length)) {
      seen.push(scanned.seq);
      at = scanned.next;
    }
    assert.deepEqual(seen, [1, 2, 3]);
    assert.equal(at, message.length);
  });

  // fixstr, str8 and str16 data: msgpack's string headers the publisher's encoder picks by length.
  for (const size of [8, 100, 300, 60_000]) {
    it(`reads the stamp from the probe event of a run with Pusher subscribers, ${size} B data`, () => {
      const frame = Buffer.from(msgpackMessageFrame(topicName(7), 9, packValue(probeEvent(9, 123_456_789, size))));
      assert.equal(scanMessage(frame, 0, frame.length), true);
      assert.deepEqual([scanned.topic, scanned.seq, scanned.sentUs, scanned.next], [7, 9, 123_456_789, frame.length]);
    });
  }

  it('says where each probe event frame ends, so coalesced ones are all read', () => {
    const frames = [1, 2, 3].map((seq) => Buffer.from(msgpackMessageFrame(topicName(0), seq, packValue(probeEvent(seq, seq * 10, 20 * seq)))));
    const message = Buffer.concat(frames);
    const seen: number[][] = [];
    let at = 0;
    while (at >= 0 && at < message.length && scanMessage(message, at, message.length)) {
      seen.push([scanned.seq, scanned.sentUs]);
      at = scanned.next;
    }
    assert.deepEqual(seen, [[1, 10], [2, 20], [3, 30]]);
  });

  it('reads a map of another shape as a message without a stamp', () => {
    for (const data of [{ data: '1:2:', event: 'lt' }, { event: 'lt', data: 'no probe' }, { event: 'lt', other: '1:2:' }]) {
      const frame = Buffer.from(msgpackMessageFrame(topicName(1), 4, packValue(data)));
      assert.equal(scanMessage(frame, 0, frame.length), true);
      assert.equal(scanned.seq, 4);
      assert.ok(Number.isNaN(scanned.sentUs), JSON.stringify(data));
    }
  });

  it('marks topics that are not load-test topics with -1', () => {
    const frame = Buffer.from(msgpackMessageFrame('prices:btc', 7, packValue(newPayload(8))));
    assert.equal(scanMessage(frame, 0, frame.length), true);
    assert.equal(scanned.topic, -1);
  });

  it('leaves other frames to the codec', () => {
    const reply = Buffer.from(msgpackCodec.encode({ kind: Kind.Reply, id: 1, data: null }) as Uint8Array);
    assert.equal(scanMessage(reply, 0, reply.length), false);
    const welcome = Buffer.from(msgpackCodec.encode({ kind: Kind.Welcome, connectionId: 'x', serverTime: 1, version: 1, limits: { maxPayloadBytes: 1, maxSubscriptions: 1, maxTopicBytes: 1 } }) as Uint8Array);
    assert.equal(scanMessage(welcome, 0, welcome.length), false);
    assert.equal(scanReply(welcome, 0, welcome.length), false);
  });
});

describe('scanReply', () => {
  it('reads the id and the stamp of an echoed payload', () => {
    const payload = newPayload(64);
    stampPayload(payload, 99.5);
    const reply = Buffer.from(msgpackCodec.encode({ kind: Kind.Reply, id: 70_000, data: payload }) as Uint8Array);
    assert.equal(scanReply(reply, 0, reply.length), true);
    assert.equal(scanned.id, 70_000);
    assert.equal(scanned.sentUs, 99.5);
  });

  it('reads a reply without a stamp as NaN', () => {
    const reply = Buffer.from(msgpackCodec.encode({ kind: Kind.Reply, id: 3, data: null }) as Uint8Array);
    assert.equal(scanReply(reply, 0, reply.length), true);
    assert.equal(scanned.id, 3);
    assert.ok(Number.isNaN(scanned.sentUs));
  });
});
