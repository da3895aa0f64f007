/**
 * The two wire codecs (msgpack and JSON) behind one small interface: bytes in, raw frame values out,
 * and frames out as bytes. Pure: no sockets, no timers. Shape validation lives in shapes.ts; the
 * Message frame of the publish path is built in message-frame.ts.
 */
import { allocBytes } from './bytes.js';
import type { Format, Frame } from './frames.js';
import { jsonReplacer } from './json-text.js';
import { badFrame, packr, unpackr } from './msgpack-value.js';
import { toWire } from './shapes.js';
import { assertStandardMsgpackSequence } from './standard-msgpack.js';

/** Encodes frames and splits a WebSocket message into its frames' raw values. */
export interface Codec {
  readonly format: Format;
  /** True when messages travel as binary WebSocket frames. */
  readonly binary: boolean;
  /** One frame as one WebSocket message. */
  encode(frame: Frame): Uint8Array | string;
  /** Several frames back to back in one WebSocket message. */
  encodeBatch(frames: readonly Frame[]): Uint8Array | string;
  /**
   * Every frame value in one WebSocket message, not yet shape-checked (see toClientFrame and
   * toServerFrame). Throws ProtocolError(BAD_FRAME) when the message cannot be decoded at all.
   */
  decode(message: Uint8Array | string): unknown[];
}

const textDecoder = new TextDecoder('utf-8', { fatal: true });

function toBytes(message: Uint8Array | string): Uint8Array {
  return typeof message === 'string' ? new TextEncoder().encode(message) : message;
}

// msgpackr builds a DataView for every Uint8Array it decodes and stores it on the array as
// `.dataView`: for a fresh 100-byte message that is about as costly as decoding its header. Small
// messages are therefore copied into one scratch buffer and decoded through a view of exactly
// their length, created once per length with its DataView attached. The copy also means decoding
// never reads the caller's memory after the copy (uWS message memory is only valid during its
// callback) and never adds a property to the caller's array. Safe because decoding is synchronous
// and msgpackr copies out everything it returns (strings; bin values with copyBuffers).
const SCRATCH_MAX_BYTES = 1024; // ≤ 1024 cached views (~150 KB at most); above it the DataView is a small share
const scratch = new ArrayBuffer(SCRATCH_MAX_BYTES);
const scratchViews: Array<Uint8Array | undefined> = [];

function scratchCopy(bytes: Uint8Array): Uint8Array {
  let view = scratchViews[bytes.length];
  if (view === undefined) {
    view = new Uint8Array(scratch, 0, bytes.length);
    (view as Uint8Array & { dataView?: DataView }).dataView = new DataView(scratch, 0, bytes.length);
    scratchViews[bytes.length] = view;
  }
  view.set(bytes);
  return view;
}

/** The msgpack wire codec: frames as msgpack arrays, several back to back in one binary message. */
export const msgpackCodec: Codec = {
  format: 'msgpack',
  binary: true,
  encode: (frame) => packr.pack(toWire(frame)),
  encodeBatch(frames) {
    const parts = frames.map((frame) => packr.pack(toWire(frame)));
    return concatBytes(parts);
  },
  decode(message) {
    const bytes = toBytes(message);
    if (bytes.length === 0) throw badFrame('empty message', undefined);
    // All or nothing per message: every value is checked before any is returned, so a valid
    // frame followed by garbage runs nothing.
    assertStandardMsgpackSequence(bytes);
    try {
      return unpackr.unpackMultiple(bytes.length <= SCRATCH_MAX_BYTES ? scratchCopy(bytes) : bytes) as unknown[];
    } catch (err) {
      // Not expected after the scan; kept so a msgpackr surprise is still BAD_FRAME, not a crash.
      throw badFrame(`undecodable msgpack: ${(err as Error).message}`, err);
    }
  },
};

/** The JSON wire codec: frames as JSON arrays, several newline-separated in one text message. */
export const jsonCodec: Codec = {
  format: 'json',
  binary: false,
  encode: (frame) => JSON.stringify(toWire(frame), jsonReplacer),
  encodeBatch: (frames) => frames.map((frame) => JSON.stringify(toWire(frame), jsonReplacer)).join('\n'),
  decode(message) {
    let text: string;
    try {
      text = typeof message === 'string' ? message : textDecoder.decode(message);
    } catch (err) {
      throw badFrame('JSON message is not valid UTF-8', err);
    }
    // Frames are newline-separated; JSON.stringify never emits a raw newline, so this split is exact.
    const values: unknown[] = [];
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      try {
        values.push(JSON.parse(line));
      } catch (err) {
        throw badFrame(`undecodable JSON: ${(err as Error).message}`, err);
      }
    }
    if (values.length === 0) throw badFrame('empty message', undefined);
    return values;
  },
};

/** The codec for a wire format. */
export function codecFor(format: Format): Codec {
  return format === 'json' ? jsonCodec : msgpackCodec;
}

function concatBytes(parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = allocBytes(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
