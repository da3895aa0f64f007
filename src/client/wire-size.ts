/**
 * Message sizes against the server's announced `maxPayloadBytes`: the client checks before sending,
 * because the server answers an oversized message by closing the connection (1009).
 */
import type { Codec } from '../protocol/codec.js';
import type { ClientFrame } from '../protocol/frames.js';

/** Size of an encoded message in bytes (UTF-8 for JSON text). */
export function byteLength(message: Uint8Array | string): number {
  return typeof message === 'string' ? new TextEncoder().encode(message).length : message.length;
}

/** Whether an encoded message is larger than `max` bytes. */
export function overLimit(message: Uint8Array | string, max: number): boolean {
  if (typeof message !== 'string') return message.length > max;
  // A UTF-16 code unit is at most 3 UTF-8 bytes: most JSON messages are ruled out without encoding.
  return message.length * 3 > max && byteLength(message) > max;
}

/**
 * Splits frames into consecutive groups whose encoded batch stays within `maxBytes` (a frame larger
 * than that on its own still gets a group: the server will refuse it, as it would have anyway).
 */
export function batchesWithin(frames: readonly ClientFrame[], codec: Codec, maxBytes: number): ClientFrame[][] {
  const batches: ClientFrame[][] = [];
  let current: ClientFrame[] = [];
  let size = 0;
  for (const frame of frames) {
    // +1: the newline between JSON frames (msgpack frames need no separator; the slack is harmless).
    const bytes = byteLength(codec.encode(frame)) + 1;
    if (current.length > 0 && size + bytes > maxBytes) {
      batches.push(current);
      current = [];
      size = 0;
    }
    current.push(frame);
    size += bytes;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}
