/** loadtest/generator/ws/frame-parser.ts driven with plain buffers: every split point, every length form. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FrameParser, type FrameSink } from '../../loadtest/generator/ws/frame-parser.js';

/** An unmasked server frame. */
function frame(opcode: number, payload: Buffer, fin = true): Buffer {
  const length = payload.length;
  const header = length < 126 ? Buffer.from([0, length]) : length < 0x10000 ? Buffer.from([0, 126, length >> 8, length & 0xff]) : Buffer.alloc(10);
  if (length >= 0x10000) {
    header[1] = 127;
    header.writeUInt32BE(0, 2);
    header.writeUInt32BE(length, 6);
  }
  header[0] = (fin ? 0x80 : 0) | opcode;
  return Buffer.concat([header, payload]);
}

function collector() {
  const events: string[] = [];
  const sink: FrameSink = {
    onMessage: (buf, start, end, binary) => events.push(`${binary ? 'bin' : 'text'}:${buf.toString('latin1', start, end)}`),
    onPing: (payload) => events.push(`ping:${payload.toString()}`),
    onClose: (code, reason) => events.push(`close:${code}:${reason}`),
    onProtocolError: (message) => events.push(`error:${message}`),
  };
  return { events, parser: new FrameParser(sink) };
}

describe('FrameParser', () => {
  const big = Buffer.alloc(70_000, 0x62);
  const mid = Buffer.alloc(300, 0x61);
  const stream = Buffer.concat([
    frame(0x2, Buffer.from('one')),
    frame(0x1, Buffer.from('two')),
    frame(0x2, mid),
    frame(0x9, Buffer.from('p')),
    frame(0x2, big),
    frame(0x2, Buffer.from('fr'), false),
    frame(0x0, Buffer.from('ag')),
    frame(0x8, Buffer.concat([Buffer.from([0x03, 0xe9]), Buffer.from('bye')])),
  ]);
  const expected = ['bin:one', 'text:two', `bin:${mid.toString('latin1')}`, 'ping:p', `bin:${big.toString('latin1')}`, 'bin:frag', 'close:1001:bye'];

  it('parses a stream delivered in one chunk', () => {
    const { events, parser } = collector();
    parser.push(stream);
    assert.deepEqual(events, expected);
  });

  it('parses the same stream split at every point into two chunks', () => {
    for (let cut = 1; cut < 400; cut++) {
      const { events, parser } = collector();
      parser.push(stream.subarray(0, cut));
      parser.push(stream.subarray(cut));
      assert.deepEqual(events, expected, `split at ${cut}`);
    }
  });

  it('parses the stream fed one byte at a time', () => {
    const { events, parser } = collector();
    for (let i = 0; i < stream.length; i++) parser.push(stream.subarray(i, i + 1));
    assert.deepEqual(events, expected);
  });

  it('refuses masked server frames', () => {
    const { events, parser } = collector();
    parser.push(Buffer.from([0x82, 0x81, 1, 2, 3, 4, 5]));
    assert.match(events[0]!, /^error:.*masked/);
  });
});
