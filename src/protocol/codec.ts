/**
 * The two wire codecs (msgpack and JSON) behind one small interface: bytes in, raw frame values out,
 * and frames out as bytes. Pure: no sockets, no timers. Shape validation lives in shapes.ts.
 */
import { Packr, Unpackr } from 'msgpackr';
import { ErrorCode } from './codes.js';
import { ProtocolError } from './errors.js';
import { Kind, type Format, type Frame } from './frames.js';
import { toWire } from './shapes.js';
import { assertStandardMsgpack, assertStandardMsgpackSequence } from './standard-msgpack.js';

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

// Standard msgpack only, so any msgpack library (PHP, Python, Go) reads what we write: no msgpackr
// records/structures, no undefined extension, no msgpackr extensions (moreTypes off: typed arrays,
// ArrayBuffer and DataView become bin, Set an array), BigInt beyond 64 bits as float 64 (as the
// JSON mode writes it), and an invalid Date as nil (JSON.stringify writes null) instead of
// msgpackr's 1-byte timestamp, which is not a valid timestamp. docs/protocol.md §2.2 lists them.
const packr = new Packr({
  useRecords: false,
  moreTypes: false,
  encodeUndefinedAsNil: true,
  variableMapSize: true,
  largeBigIntToFloat: true,
  onInvalidDate: () => null,
});
// copyBuffers: decoded binary must not alias the input, because uWS reuses a message's memory
// as soon as the message callback returns.
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true, int64AsType: 'number', copyBuffers: true });

const textDecoder = new TextDecoder('utf-8', { fatal: true });

// Node's pooled Buffer.allocUnsafe is about 3x cheaper than `new Uint8Array` for frame-sized
// allocations (measured 230 vs 730 ns for a 256 B message frame); browsers fall back to Uint8Array.
const nodeBuffer = (
  globalThis as {
    Buffer?: {
      allocUnsafe(size: number): Uint8Array;
      from(buffer: ArrayBufferLike, byteOffset: number, length: number): { toString(encoding: 'base64'): string };
    };
  }
).Buffer;
const allocBytes: (size: number) => Uint8Array = nodeBuffer ? (size) => nodeBuffer.allocUnsafe(size) : (size) => new Uint8Array(size);

function badFrame(message: string, cause: unknown): ProtocolError {
  return new ProtocolError(ErrorCode.BadFrame, message, { cause });
}

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

/**
 * Encodes publication data as standard msgpack: the payload stored in history and fanned out to
 * every subscriber. Throws ProtocolError(BAD_FRAME) for a value that has no standard encoding (a
 * symbol) or when the bytes would not be standard: the check costs one scan of the payload per
 * publication and guards against a msgpackr extension registered process-wide (`addExtension`).
 */
export function packValue(value: unknown): Uint8Array {
  let bytes: Uint8Array;
  try {
    bytes = packr.pack(value);
  } catch (err) {
    throw badFrame(`cannot encode as msgpack: ${(err as Error).message}`, err);
  }
  assertStandardMsgpack(bytes);
  return bytes;
}

/**
 * Decodes one standard msgpack value (an HTTP msgpack body, a stored payload); throws
 * ProtocolError(BAD_FRAME) unless `bytes` are exactly one complete standard value.
 */
export function unpackValue(bytes: Uint8Array): unknown {
  assertStandardMsgpack(bytes);
  return unpackTrusted(bytes);
}

/** Decodes bytes already known to be one standard value (a payload packValue produced). */
function unpackTrusted(bytes: Uint8Array): unknown {
  try {
    return unpackr.unpack(bytes);
  } catch (err) {
    throw badFrame(`undecodable msgpack: ${(err as Error).message}`, err);
  }
}

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

/** JSON text of any value in the JSON mode's conventions (byte arrays as base64 strings). */
export function toJsonText(value: unknown): string {
  return JSON.stringify(value, jsonReplacer);
}

/** The codec for a wire format. */
export function codecFor(format: Format): Codec {
  return format === 'json' ? jsonCodec : msgpackCodec;
}

/**
 * JSON has no binary type: byte arrays (msgpack bin) are written as base64 strings in JSON mode.
 */
function jsonReplacer(this: Record<string, unknown>, key: string, value: unknown): unknown {
  // Check the holder's original value: Buffer.toJSON has already run by the time `value` arrives.
  const original = this[key];
  if (original instanceof Uint8Array) return bytesToBase64(original);
  if (typeof value === 'bigint') return Number(value);
  return value;
}

function bytesToBase64(bytes: Uint8Array): string {
  // Node: one native call over a view of the same memory. The loop below builds a string per byte
  // (64 of them for a 64-byte payload, on every publication to JSON subscribers).
  if (nodeBuffer) return nodeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
  let binary = '';
  for (let i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i]!);
  return btoa(binary);
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

/**
 * The publish hot path. A publication's data is packed once (`packValue`) and that payload is the
 * unit that crosses the Broker; each server then wraps it into a Message frame once per topic and
 * format, and uWS fans the same bytes out to every subscriber.
 */
export function msgpackMessageFrame(topic: string, seq: number, payload: Uint8Array): Uint8Array {
  // Write the head [20, topic, seq] by hand and append the already-packed data as the fourth
  // element: the standard encoding of [20, topic, seq, data] without unpacking or re-packing the
  // data, and without a packr.pack call for the head (that call was over half of this function's
  // time). The bytes are exactly what msgpackr writes (fixint below 0x80 with useRecords: false,
  // then uint8/16/32); anything else (a non-ASCII topic, a seq beyond uint32) takes packr's path.
  const length = topic.length;
  if (length >= 0x10000 || seq >>> 0 !== seq) return packedMessageFrame(topic, seq, payload);
  const strHeader = length < 0x20 ? 1 : length < 0x100 ? 2 : 3;
  const seqBytes = seq < 0x80 ? 1 : seq < 0x100 ? 2 : seq < 0x10000 ? 3 : 5;
  const frame = allocBytes(2 + strHeader + length + seqBytes + payload.length);
  let p = 0;
  frame[p++] = 0x94; // fixarray(4)
  frame[p++] = Kind.Message;
  if (strHeader === 1) {
    frame[p++] = 0xa0 | length;
  } else if (strHeader === 2) {
    frame[p++] = 0xd9;
    frame[p++] = length;
  } else {
    frame[p++] = 0xda;
    frame[p++] = length >> 8;
    frame[p++] = length & 0xff;
  }
  for (let i = 0; i < length; i++) {
    const c = topic.charCodeAt(i);
    if (c > 0x7f) return packedMessageFrame(topic, seq, payload);
    frame[p++] = c;
  }
  if (seqBytes === 1) {
    frame[p++] = seq;
  } else if (seqBytes === 2) {
    frame[p++] = 0xcc;
    frame[p++] = seq;
  } else if (seqBytes === 3) {
    frame[p++] = 0xcd;
    frame[p++] = seq >> 8;
    frame[p++] = seq & 0xff;
  } else {
    frame[p++] = 0xce;
    frame[p++] = seq >>> 24;
    frame[p++] = (seq >> 16) & 0xff;
    frame[p++] = (seq >> 8) & 0xff;
    frame[p++] = seq & 0xff;
  }
  frame.set(payload, p);
  return frame;
}

/** msgpackMessageFrame through packr: pack [20, topic, seq], turn fixarray(3) into fixarray(4), append the data. */
function packedMessageFrame(topic: string, seq: number, payload: Uint8Array): Uint8Array {
  const head = packr.pack([Kind.Message, topic, seq]);
  const frame = allocBytes(head.length + payload.length);
  frame.set(head, 0);
  frame[0] = 0x94;
  frame.set(payload, head.length);
  return frame;
}

/** The JSON-mode Message frame for a packed payload (only built when JSON subscribers exist). */
export function jsonMessageFrame(topic: string, seq: number, payload: Uint8Array): string {
  // The payload came from packValue (already checked), and this runs once per publication.
  return JSON.stringify([Kind.Message, topic, seq, unpackTrusted(payload)], jsonReplacer);
}
