/**
 * Reads the few fields the generator needs straight out of a msgpack frame, in place and without
 * allocating: a Message frame `[20, topic, seq, data]` and a Reply frame `[21, id, data]`. Anything
 * else (Welcome, Error, a frame shaped differently) returns false and the caller falls back to the
 * real codec in src/protocol. test/loadtest/message-scan.test.ts checks these readers against it.
 *
 * Load-test topics are named `lt.<n>`, so a topic is read as its number n, and publication data is
 * a msgpack bin whose first 8 bytes are the intended send time (float64, µs, monotonic clock) — or,
 * in runs with Pusher subscribers, the map `{event, data: '<seq>:<sentUs>:…'}` of probe-text.ts.
 */
import { readProbeText, probe } from './probe-text.js';

/** Prefix of every load-test topic: `lt.0`, `lt.1`, … */
export const TOPIC_PREFIX = 'lt.';
/** Smallest payload: the 8-byte send timestamp. */
export const MIN_PAYLOAD_BYTES = 8;

/** The load-test topic with index `n`. */
export const topicName = (n: number): string => `${TOPIC_PREFIX}${n}`;

/** Fields of the last frame scanned. Reused: read them right after a successful scan. */
export const scanned = {
  /** Topic number (`lt.<n>`), or -1 for a topic that is not a load-test topic. */
  topic: -1,
  seq: 0,
  /** Request id of a Reply. */
  id: 0,
  /** Send time stamped into the data (µs), or NaN when the data carries none. */
  sentUs: Number.NaN,
  /**
   * Where the scanned Message frame ends, so the next frame of the same WebSocket message (a server
   * may coalesce several) can be scanned; -1 when the data is not a bin and its end is unknown.
   */
  next: -1,
};

const KIND_MESSAGE = 20;
const KIND_REPLY = 21;
const L = 0x6c;
const T = 0x74;
const DOT = 0x2e;

/**
 * Scans `[20, topic, seq, data]` in buf[start, end). On success fills `scanned.topic`,
 * `scanned.seq` and `scanned.sentUs` and returns true.
 */
export function scanMessage(buf: Buffer, start: number, end: number): boolean {
  if (end - start < 4 || buf[start] !== 0x94 || buf[start + 1] !== KIND_MESSAGE) return false;
  let at = start + 2;
  // topic: fixstr, str8 or str16
  const marker = buf[at]!;
  let topicLength: number;
  if ((marker & 0xe0) === 0xa0) {
    topicLength = marker & 0x1f;
    at += 1;
  } else if (marker === 0xd9) {
    topicLength = buf[at + 1]!;
    at += 2;
  } else if (marker === 0xda) {
    topicLength = buf.readUInt16BE(at + 1);
    at += 3;
  } else return false;
  const topicEnd = at + topicLength;
  if (topicEnd >= end) return false;
  scanned.topic = readTopicNumber(buf, at, topicEnd);
  at = topicEnd;
  at = readUint(buf, at, end);
  if (at < 0) return false;
  scanned.seq = uintValue;
  if (buf[at] === FIXMAP_2) {
    scanned.next = eventEnd(buf, at, end);
    return true;
  }
  scanned.sentUs = readStamp(buf, at, end);
  scanned.next = binEnd(buf, at, end);
  return true;
}

const FIXMAP_2 = 0x82;
const EVENT_KEY = Buffer.from('event');
const DATA_KEY = Buffer.from('data');

/**
 * Reads the probe event `{event: <str>, data: <str>}` at `at` (keys in that order, as the publisher
 * packs them): sets `scanned.sentUs` from the probe text in `data` (NaN without one) and returns the
 * offset after the map, or -1 when the map is shaped otherwise.
 */
function eventEnd(buf: Buffer, at: number, end: number): number {
  scanned.sentUs = Number.NaN;
  at = readStr(buf, at + 1, end);
  if (at < 0 || !buf.subarray(strStart, at).equals(EVENT_KEY)) return -1;
  at = readStr(buf, at, end);
  if (at < 0) return -1;
  at = readStr(buf, at, end);
  if (at < 0 || !buf.subarray(strStart, at).equals(DATA_KEY)) return -1;
  at = readStr(buf, at, end);
  if (at < 0) return -1;
  if (readProbeText(buf, strStart, at) >= 0) scanned.sentUs = probe.sentUs;
  return at;
}

// Where the last string read by readStr starts.
let strStart = 0;

/** Reads a msgpack str (fixstr, str8, str16, str32): sets `strStart`, returns the offset after it or -1. */
function readStr(buf: Buffer, at: number, end: number): number {
  if (at >= end) return -1;
  const marker = buf[at]!;
  let length: number;
  if ((marker & 0xe0) === 0xa0) [strStart, length] = [at + 1, marker & 0x1f];
  else if (marker === 0xd9 && at + 2 <= end) [strStart, length] = [at + 2, buf[at + 1]!];
  else if (marker === 0xda && at + 3 <= end) [strStart, length] = [at + 3, buf.readUInt16BE(at + 1)];
  else if (marker === 0xdb && at + 5 <= end) [strStart, length] = [at + 5, buf.readUInt32BE(at + 1)];
  else return -1;
  const next = strStart + length;
  return next <= end ? next : -1;
}

/** The offset after a bin value starting at `at`, or -1 when it is not a complete bin. */
function binEnd(buf: Buffer, at: number, end: number): number {
  const marker = buf[at];
  let length: number;
  let header: number;
  if (marker === 0xc4 && at + 2 <= end) [header, length] = [2, buf[at + 1]!];
  else if (marker === 0xc5 && at + 3 <= end) [header, length] = [3, buf.readUInt16BE(at + 1)];
  else if (marker === 0xc6 && at + 5 <= end) [header, length] = [5, buf.readUInt32BE(at + 1)];
  else return -1;
  const next = at + header + length;
  return next <= end ? next : -1;
}

/** Scans `[21, id, data]`; on success fills `scanned.id` and `scanned.sentUs` (if data is stamped). */
export function scanReply(buf: Buffer, start: number, end: number): boolean {
  if (end - start < 4 || buf[start] !== 0x93 || buf[start + 1] !== KIND_REPLY) return false;
  const at = readUint(buf, start + 2, end);
  if (at < 0) return false;
  scanned.id = uintValue;
  scanned.sentUs = readStamp(buf, at, end);
  return true;
}

/** The n of a topic named `lt.<n>` in buf[start, end), or -1 for any other topic. */
export function readTopicNumber(buf: Buffer, start: number, end: number): number {
  if (end - start < 4 || buf[start] !== L || buf[start + 1] !== T || buf[start + 2] !== DOT) return -1;
  let n = 0;
  for (let i = start + 3; i < end; i++) {
    const digit = buf[i]! - 0x30;
    if (digit < 0 || digit > 9) return -1;
    n = n * 10 + digit;
  }
  return n;
}

// Second result of readUint, kept in a module variable so the reader returns a plain number.
let uintValue = 0;

/** Reads a msgpack unsigned integer (or a float64 holding one); returns the offset after it or -1. */
function readUint(buf: Buffer, at: number, end: number): number {
  if (at >= end) return -1;
  const marker = buf[at]!;
  if (marker < 0x80) {
    uintValue = marker;
    return at + 1;
  }
  switch (marker) {
    case 0xcc:
      if (at + 2 > end) return -1;
      uintValue = buf[at + 1]!;
      return at + 2;
    case 0xcd:
      if (at + 3 > end) return -1;
      uintValue = buf.readUInt16BE(at + 1);
      return at + 3;
    case 0xce:
      if (at + 5 > end) return -1;
      uintValue = buf.readUInt32BE(at + 1);
      return at + 5;
    case 0xcb:
      if (at + 9 > end) return -1;
      uintValue = buf.readDoubleBE(at + 1);
      return at + 9;
    default:
      return -1;
  }
}

/** The float64 stamp at the start of a bin value, or NaN. */
function readStamp(buf: Buffer, at: number, end: number): number {
  const marker = buf[at];
  const header = marker === 0xc4 ? 2 : marker === 0xc5 ? 3 : marker === 0xc6 ? 5 : 0;
  if (header === 0 || at + header + 8 > end) return Number.NaN;
  return buf.readDoubleBE(at + header);
}

/** A publication payload of `bytes` bytes (at least 8) with room for the stamp; filled with a pattern. */
export function newPayload(bytes: number): Buffer {
  const payload = Buffer.alloc(Math.max(MIN_PAYLOAD_BYTES, bytes), 0x61);
  return payload;
}

/** Writes the intended send time (µs) into the first 8 bytes of a payload. */
export function stampPayload(payload: Buffer, sentUs: number): void {
  payload.writeDoubleBE(sentUs, 0);
}
