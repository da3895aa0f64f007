/**
 * The bytes of a refused upgrade, written by hand as one HTTP answer that closes the connection:
 * the `101 Switching Protocols` head, then the WebSocket frames the protocol front wrote to the
 * refused connection, ending with its close frame (RFC 6455 §5.2, §5.5.1; server frames are never
 * masked).
 *
 * Why by hand: uWS's ws.end() sends the close frame and a FIN, then keeps the TCP connection until
 * the peer closes it or the end() timeout fires (12 to 16 s with the default idleTimeout, and 0.5
 * to 4 s even at the smallest idleTimeout of 8: the timer ticks every 4 s). It runs the close
 * handler inside end() and invalidates the JavaScript handle, so nothing can cut the connection
 * sooner (measured on uWS.js 20.30: ws.close() after end() throws, even inside cork()). A peer that
 * ignores close frames would hold a server descriptor per refusal for that long, beyond the
 * connection caps. Sent by `res.end(body, true)`, the bytes leave with a FIN and uWS closes the
 * socket as soon as they are in the kernel: at once, for a few hundred bytes on a fresh connection.
 *
 * Why the odd shape: `res.end` adds `Connection: close`, `Date`, its own mark and a Content-Length
 * after the headers we write. A Content-Length on a 101 is forbidden (RFC 9110 §8.6) and strict
 * HTTP parsers act on it: http-parser-js (faye-websocket, hence pusher-js on Node) reads the frames
 * as an HTTP body and its client then sees 1006. So our last header line ends the head itself, the
 * frames follow, and a Pong frame (which every client ignores) swallows uWS's added header lines;
 * the close frame is the body. Their exact length is measured once per process (answer-layout.ts).
 */
import { createHash } from 'node:crypto';
import { SendStatus, type SocketLike } from '../transport/socket.js';

// RFC 6455 §1.3: the GUID appended to the client's key.
const ACCEPT_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

const OPCODE_TEXT = 0x1;
const OPCODE_BINARY = 0x2;
const OPCODE_CLOSE = 0x8;
const OPCODE_PONG = 0xa;
// A control frame's payload is at most 125 bytes (RFC 6455 §5.5).
const MAX_CONTROL_PAYLOAD = 125;
// The code and 123 bytes of reason, as uWS's end() cuts it.
const MAX_CLOSE_REASON_BYTES = MAX_CONTROL_PAYLOAD - 2;

/** The header whose value ends the head and carries the frames (its visible value is `1`). */
export const REFUSAL_HEADER = 'X-Switchboard-Refused';

/** The `Sec-WebSocket-Accept` answer to a `Sec-WebSocket-Key`. */
export function webSocketAccept(key: string): string {
  return createHash('sha1').update(key + ACCEPT_GUID).digest('base64');
}

/** One unmasked, unfragmented server frame. */
export function serverFrame(opcode: number, payload: Uint8Array): Buffer {
  return Buffer.concat([frameHead(opcode, payload.byteLength), payload]);
}

function frameHead(opcode: number, length: number): Buffer {
  const lengthBytes = length < 126 ? 0 : length < 0x10000 ? 2 : 8;
  const head = Buffer.alloc(2 + lengthBytes);
  head[0] = 0x80 | opcode; // FIN, no RSV bits: nothing is compressed
  if (lengthBytes === 0) head[1] = length;
  else if (lengthBytes === 2) {
    head[1] = 126;
    head.writeUInt16BE(length, 2);
  } else {
    head[1] = 127;
    head.writeBigUInt64BE(BigInt(length), 2);
  }
  return head;
}

/** A close frame; code 0 (as uWS's end() without a code) sends an empty payload, which the peer reads as 1005. */
export function closeFrame(code: number, reason: string): Buffer {
  if (code === 0) return serverFrame(OPCODE_CLOSE, new Uint8Array(0));
  // Connection.close already cut the reason on a character boundary; this only keeps the frame valid.
  const text = Buffer.from(reason, 'utf8').subarray(0, MAX_CLOSE_REASON_BYTES);
  const payload = Buffer.alloc(2 + text.byteLength);
  payload.writeUInt16BE(code, 0);
  text.copy(payload, 2);
  return serverFrame(OPCODE_CLOSE, payload);
}

/** What uWS's `res.end(body, true)` writes after our last header line: measured, see answer-layout.ts. */
export interface AnswerLayout {
  /** Bytes of the header lines it adds before `Content-Length` (`Connection: close`, `Date`, its mark). */
  readonly addedHeaderBytes: number;
}

/** The refused upgrade's answer: the value of REFUSAL_HEADER (written last) and the body. */
export interface RefusalBytes {
  readonly headerValue: Buffer;
  readonly body: Buffer;
}

// The longest close frame: 2 bytes of head and the 125 of the largest control payload.
const MAX_CLOSE_FRAME_BYTES = 2 + MAX_CONTROL_PAYLOAD;

/** What the Pong swallows: the CRLF uWS ends our header line with, its added lines, its Content-Length line and the blank line. */
function swallowedBytes(layout: AnswerLayout, bodyBytes: number): number {
  return 2 + layout.addedHeaderBytes + `Content-Length: ${bodyBytes}\r\n\r\n`.length;
}

/** Whether every refusal fits this layout: uWS's added lines, with the longest close frame's Content-Length, in one Pong. */
export function usableLayout(layout: AnswerLayout): boolean {
  return swallowedBytes(layout, MAX_CLOSE_FRAME_BYTES) <= MAX_CONTROL_PAYLOAD;
}

/** Lays out `frames` and the close frame for `res.end(body, true)` under a usable layout. */
export function refusalBytes(frames: readonly Buffer[], close: Buffer, layout: AnswerLayout): RefusalBytes {
  const pong = frameHead(OPCODE_PONG, swallowedBytes(layout, close.byteLength));
  return { headerValue: Buffer.concat([Buffer.from('1\r\n\r\n', 'latin1'), ...frames, pong]), body: close };
}

/**
 * The socket a refused connection's front writes to while it is "open": it keeps the frames, and
 * the close, for the transport to send in one answer. Like a uWS socket it takes sends until end().
 */
export class RefusedSocket implements SocketLike {
  /** Frames written before the close. */
  readonly frames: Buffer[] = [];
  /** The close the front asked for, once it called end(). */
  closed: { code: number; reason: string; frame: Buffer } | undefined = undefined;

  send(message: Uint8Array | string, isBinary = false): number {
    if (this.closed !== undefined) return SendStatus.Dropped;
    const payload = typeof message === 'string' ? Buffer.from(message, 'utf8') : message;
    this.frames.push(serverFrame(isBinary ? OPCODE_BINARY : OPCODE_TEXT, payload));
    return SendStatus.Success;
  }

  cork(fn: () => void): void {
    fn();
  }

  end(code = 0, reason = ''): void {
    if (this.closed !== undefined) return;
    this.closed = { code, reason, frame: closeFrame(code, reason) };
  }

  getBufferedAmount(): number {
    return 0;
  }
}
