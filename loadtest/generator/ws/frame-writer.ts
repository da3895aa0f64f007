/**
 * Client-to-server WebSocket frames (RFC 6455 §5.3: clients must mask). One allocation per frame,
 * header and masked payload together.
 */
import { randomFillSync } from 'node:crypto';

export const Opcode = { Text: 0x1, Binary: 0x2, Close: 0x8, Ping: 0x9, Pong: 0xa } as const;
export type OpcodeValue = (typeof Opcode)[keyof typeof Opcode];

// Masks come from a pool filled 4 KiB at a time: a crypto call per frame would cost more than the
// frame. The mask only defeats proxy cache poisoning; it is no secret from the server.
const maskPool = Buffer.alloc(4096);
let maskOffset = maskPool.length;

function nextMask(): number {
  if (maskOffset + 4 > maskPool.length) {
    randomFillSync(maskPool);
    maskOffset = 0;
  }
  const offset = maskOffset;
  maskOffset += 4;
  return offset;
}

/** One final, masked frame carrying `payload`. */
export function encodeFrame(opcode: OpcodeValue, payload: Uint8Array): Buffer {
  const length = payload.length;
  const header = length < 126 ? 2 : length < 0x10000 ? 4 : 10;
  const frame = Buffer.allocUnsafe(header + 4 + length);
  frame[0] = 0x80 | opcode;
  if (header === 2) frame[1] = 0x80 | length;
  else if (header === 4) {
    frame[1] = 0x80 | 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 0x80 | 127;
    frame.writeUInt32BE(Math.floor(length / 0x100000000), 2);
    frame.writeUInt32BE(length >>> 0, 6);
  }
  const maskAt = nextMask();
  maskPool.copy(frame, header, maskAt, maskAt + 4);
  const start = header + 4;
  for (let i = 0; i < length; i++) frame[start + i] = payload[i]! ^ frame[header + (i & 3)]!;
  return frame;
}

/** A close frame with a status code. */
export function encodeClose(code: number): Buffer {
  const payload = Buffer.allocUnsafe(2);
  payload.writeUInt16BE(code, 0);
  return encodeFrame(Opcode.Close, payload);
}
