/**
 * Where the topic sits in a Message frame `[20, topic, seq, data]`, read in place: all the relay
 * peer needs to know to republish the frame's bytes unchanged. Pure, so it is unit-tested without
 * a socket.
 */

const FIXARRAY_4 = 0x94;
const KIND_MESSAGE = 20;

/** Start and end offsets of the topic's UTF-8 bytes, or undefined when `frame` is not a Message frame. */
export function messageTopicSpan(frame: Uint8Array): [number, number] | undefined {
  if (frame.length < 4 || frame[0] !== FIXARRAY_4 || frame[1] !== KIND_MESSAGE) return undefined;
  const marker = frame[2]!;
  let start: number;
  let length: number;
  if ((marker & 0xe0) === 0xa0) {
    start = 3;
    length = marker & 0x1f;
  } else if (marker === 0xd9) {
    start = 4;
    length = frame[3]!;
  } else if (marker === 0xda) {
    start = 5;
    length = (frame[3]! << 8) | frame[4]!;
  } else return undefined;
  const end = start + length;
  return end < frame.length ? [start, end] : undefined;
}
