/**
 * The publish hot path: a Message frame around an already-packed payload, once per topic and
 * format, without unpacking and re-packing the data. Pure.
 */
import { allocBytes } from './bytes.js';
import { Kind } from './frames.js';
import { jsonReplacer } from './json-text.js';
import { packr, unpackTrusted } from './msgpack-value.js';

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
