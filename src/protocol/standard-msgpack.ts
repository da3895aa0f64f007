/**
 * The strict check that bytes are standard MessagePack
 * (https://github.com/msgpack/msgpack/blob/master/spec.md), run before msgpackr decodes anything.
 *
 * msgpackr reads more than the standard: 0xc1, its own extensions (0x42 BigInt, 0x74 typed arrays,
 * 0x72 records, …) and timestamps of any length. Whatever it accepts the server would re-encode and
 * fan out, and a subscriber using another msgpack library could not decode it. So every inbound
 * message is scanned here first, in one pass that allocates nothing: no value is built, only
 * headers and lengths are read (and str bytes checked as UTF-8). See docs/protocol.md §2.2.
 */
import { ErrorCode } from './codes.js';
import { ProtocolError } from './errors.js';
import { utf8ErrorOffset } from './utf8.js';

/**
 * Most arrays/maps open at once in one value (a frame's own array counts as one). Deeper values
 * are refused: msgpackr and many decoders in other languages recurse once per level. The scan
 * itself keeps its own stack, so any depth fails cleanly instead of overflowing.
 */
export const MAX_MSGPACK_DEPTH = 128;

/** Timestamp nanoseconds are below one second (spec: "nanoseconds must not be larger than 999999999"). */
const MAX_NANOSECONDS = 999_999_999;

// Elements still to read in each open array/map (a map counts keys and values). Shared because
// scanning is synchronous and never re-entered; Float64Array because map32 can hold 2^33 - 2 items.
const pending = new Float64Array(MAX_MSGPACK_DEPTH + 1);

function invalid(offset: number, problem: string): ProtocolError {
  return new ProtocolError(ErrorCode.BadFrame, `invalid msgpack at byte ${offset}: ${problem}`);
}

function hex(byte: number): string {
  return `0x${byte.toString(16).padStart(2, '0')}`;
}

function uint16(bytes: Uint8Array, p: number): number {
  return (bytes[p]! << 8) | bytes[p + 1]!;
}

function uint32(bytes: Uint8Array, p: number): number {
  return bytes[p]! * 0x1000000 + ((bytes[p + 1]! << 16) | (bytes[p + 2]! << 8) | bytes[p + 3]!);
}

/**
 * Throws unless `count` bytes starting at `p` exist. `what` names the value, with `length` (its
 * declared size) when it has one; the message is only built when it throws, so the hot path
 * allocates nothing.
 */
function need(bytes: Uint8Array, header: number, p: number, count: number, what: string, length = -1): void {
  if (p + count > bytes.length) {
    const name = length < 0 ? what : `${what} of ${length} bytes`;
    throw invalid(header, `truncated ${name}: needs ${p + count - header} bytes, ${bytes.length - header} left`);
  }
}

/** Checks a str's bytes; returns the offset after it. */
function str(bytes: Uint8Array, header: number, data: number, length: number): number {
  need(bytes, header, data, length, 'str', length);
  const bad = utf8ErrorOffset(bytes, data, data + length);
  if (bad >= 0) throw invalid(bad, `str starting at byte ${header} is not valid UTF-8`);
  return data + length;
}

/** Checks an ext (type byte at `data`, payload after it); only the timestamp (-1) is standard. */
function ext(bytes: Uint8Array, header: number, data: number, length: number): number {
  need(bytes, header, data, length + 1, 'ext', length);
  const type = bytes[data]!;
  if (type !== 0xff) {
    throw invalid(header, `extension type ${type << 24 >> 24} is not allowed (only the timestamp extension, type -1)`);
  }
  const payload = data + 1;
  if (length === 8) {
    // timestamp 64: nanoseconds in the upper 30 bits of the first 32-bit word
    const nanoseconds = uint32(bytes, payload) >>> 2;
    if (nanoseconds > MAX_NANOSECONDS) throw invalid(header, `timestamp nanoseconds ${nanoseconds} exceed ${MAX_NANOSECONDS}`);
  } else if (length === 12) {
    const nanoseconds = uint32(bytes, payload);
    if (nanoseconds > MAX_NANOSECONDS) throw invalid(header, `timestamp nanoseconds ${nanoseconds} exceed ${MAX_NANOSECONDS}`);
  } else if (length !== 4) {
    throw invalid(header, `timestamp extension of ${length} bytes (must be 4, 8 or 12)`);
  }
  return payload + length;
}

/**
 * Scans the one standard msgpack value that starts at `start` and returns the offset just past
 * it. Throws ProtocolError(BAD_FRAME) naming the byte offset and the problem when the bytes are
 * not a complete standard value: 0xc1, an extension other than a well-formed timestamp, a str or
 * map key that is not UTF-8, a value cut off by the end of `bytes`, or nesting deeper than
 * MAX_MSGPACK_DEPTH.
 */
export function scanStandardMsgpack(bytes: Uint8Array, start = 0): number {
  const end = bytes.length;
  let p = start;
  let depth = 0;
  for (;;) {
    if (p >= end) throw invalid(p, depth === 0 ? 'no value (empty input)' : `truncated: ${pending[depth]} more elements expected at nesting depth ${depth}`);
    const header = p;
    const b = bytes[p++]!;
    // Elements of an array/map this header opens; -1 for a scalar.
    let items = -1;
    if (b < 0x80 || b >= 0xe0) {
      // positive / negative fixint
    } else if (b < 0x90) {
      items = (b & 0x0f) * 2;
    } else if (b < 0xa0) {
      items = b & 0x0f;
    } else if (b < 0xc0) {
      p = str(bytes, header, p, b & 0x1f);
    } else {
      switch (b) {
        case 0xc0: // nil
        case 0xc2: // false
        case 0xc3: // true
          break;
        case 0xc4: // bin 8
          need(bytes, header, p, 1, 'bin 8 header');
          need(bytes, header, p + 1, bytes[p]!, 'bin', bytes[p]!);
          p += 1 + bytes[p]!;
          break;
        case 0xc5: // bin 16
          need(bytes, header, p, 2, 'bin 16 header');
          need(bytes, header, p + 2, uint16(bytes, p), 'bin', uint16(bytes, p));
          p += 2 + uint16(bytes, p);
          break;
        case 0xc6: // bin 32
          need(bytes, header, p, 4, 'bin 32 header');
          need(bytes, header, p + 4, uint32(bytes, p), 'bin', uint32(bytes, p));
          p += 4 + uint32(bytes, p);
          break;
        case 0xc7: // ext 8
          need(bytes, header, p, 1, 'ext 8 header');
          p = ext(bytes, header, p + 1, bytes[p]!);
          break;
        case 0xc8: // ext 16
          need(bytes, header, p, 2, 'ext 16 header');
          p = ext(bytes, header, p + 2, uint16(bytes, p));
          break;
        case 0xc9: // ext 32
          need(bytes, header, p, 4, 'ext 32 header');
          p = ext(bytes, header, p + 4, uint32(bytes, p));
          break;
        case 0xca: // float 32
        case 0xce: // uint 32
        case 0xd2: // int 32
          need(bytes, header, p, 4, 'number');
          p += 4;
          break;
        case 0xcb: // float 64
        case 0xcf: // uint 64
        case 0xd3: // int 64
          need(bytes, header, p, 8, 'number');
          p += 8;
          break;
        case 0xcc: // uint 8
        case 0xd0: // int 8
          need(bytes, header, p, 1, 'number');
          p += 1;
          break;
        case 0xcd: // uint 16
        case 0xd1: // int 16
          need(bytes, header, p, 2, 'number');
          p += 2;
          break;
        case 0xd4: // fixext 1
          p = ext(bytes, header, p, 1);
          break;
        case 0xd5: // fixext 2
          p = ext(bytes, header, p, 2);
          break;
        case 0xd6: // fixext 4
          p = ext(bytes, header, p, 4);
          break;
        case 0xd7: // fixext 8
          p = ext(bytes, header, p, 8);
          break;
        case 0xd8: // fixext 16
          p = ext(bytes, header, p, 16);
          break;
        case 0xd9: // str 8
          need(bytes, header, p, 1, 'str 8 header');
          p = str(bytes, header, p + 1, bytes[p]!);
          break;
        case 0xda: // str 16
          need(bytes, header, p, 2, 'str 16 header');
          p = str(bytes, header, p + 2, uint16(bytes, p));
          break;
        case 0xdb: // str 32
          need(bytes, header, p, 4, 'str 32 header');
          p = str(bytes, header, p + 4, uint32(bytes, p));
          break;
        case 0xdc: // array 16
          need(bytes, header, p, 2, 'array 16 header');
          items = uint16(bytes, p);
          p += 2;
          break;
        case 0xdd: // array 32
          need(bytes, header, p, 4, 'array 32 header');
          items = uint32(bytes, p);
          p += 4;
          break;
        case 0xde: // map 16
          need(bytes, header, p, 2, 'map 16 header');
          items = uint16(bytes, p) * 2;
          p += 2;
          break;
        case 0xdf: // map 32
          need(bytes, header, p, 4, 'map 32 header');
          items = uint32(bytes, p) * 2;
          p += 4;
          break;
        default: // 0xc1: "never used" in the spec
          throw invalid(header, `${hex(b)} is never used in MessagePack`);
      }
    }
    if (items >= 0) {
      if (depth === MAX_MSGPACK_DEPTH) throw invalid(header, `nesting deeper than ${MAX_MSGPACK_DEPTH} arrays/maps`);
      // Every element takes at least one byte: refuse absurd declared lengths before reading on.
      if (items > end - p) throw invalid(header, `truncated: ${items} elements declared, ${end - p} bytes left`);
      if (items > 0) {
        pending[++depth] = items;
        continue;
      }
    }
    // A value is complete: it may complete its parents too.
    for (;;) {
      if (depth === 0) return p;
      if (--pending[depth]! > 0) break;
      depth--;
    }
  }
}

/**
 * Throws ProtocolError(BAD_FRAME) unless `bytes` are exactly one complete standard msgpack value
 * with nothing after it. For an HTTP msgpack body or one packed data payload.
 */
export function assertStandardMsgpack(bytes: Uint8Array): void {
  const end = scanStandardMsgpack(bytes, 0);
  if (end !== bytes.length) throw invalid(end, `${bytes.length - end} bytes after the value`);
}

/**
 * Throws ProtocolError(BAD_FRAME) unless `bytes` are one or more complete standard msgpack values
 * back to back (a WebSocket message of frames); returns how many.
 */
export function assertStandardMsgpackSequence(bytes: Uint8Array): number {
  let count = 0;
  let p = 0;
  do {
    p = scanStandardMsgpack(bytes, p);
    count++;
  } while (p < bytes.length);
  return count;
}
