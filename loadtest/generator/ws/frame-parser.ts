/**
 * Incremental parser for server-to-client WebSocket frames (RFC 6455, unmasked). Bytes in, events
 * out; knows nothing about sockets, so tests drive it with plain buffers.
 *
 * It is built for millions of small messages per second: a message that lies whole inside one TCP
 * chunk is handed to the sink as (chunk, start, end) without copying or allocating. Bytes are only
 * copied when a frame straddles two chunks.
 */

/** What the parser reports. Buffers passed to these callbacks are only valid during the call. */
export interface FrameSink {
  /** A complete data message in `buf[start, end)`. */
  onMessage(buf: Buffer, start: number, end: number, binary: boolean): void;
  /** A ping; the caller answers with a pong carrying the same payload. */
  onPing(payload: Buffer): void;
  /** A close frame (1005 when it carried no code). */
  onClose(code: number, reason: string): void;
  /** The stream is not valid WebSocket; the caller should drop the connection. */
  onProtocolError(message: string): void;
}

const OP_CONTINUATION = 0x0;
const OP_TEXT = 0x1;
const OP_BINARY = 0x2;
const OP_CLOSE = 0x8;
const OP_PING = 0x9;
const OP_PONG = 0xa;

/** Bytes a frame needs before its payload, given its second byte. */
function headerLength(second: number): number {
  const len = second & 0x7f;
  return len === 126 ? 4 : len === 127 ? 10 : 2;
}

export class FrameParser {
  // Unconsumed bytes of an incomplete frame, kept as a list so a large frame arriving in many
  // chunks is joined once, not once per chunk.
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private needed = 0;
  // Fragments of a fragmented message (servers we test rarely fragment).
  private fragments: Buffer[] | undefined;
  private fragmentBinary = false;
  private failed = false;

  constructor(private readonly sink: FrameSink) {}

  /** Feeds the next chunk read from the socket. */
  push(chunk: Buffer): void {
    if (this.failed) return;
    if (this.pendingBytes === 0) {
      this.parse(chunk);
      return;
    }
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    if (this.pendingBytes < this.needed) return;
    const joined = Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    this.parse(joined);
  }

  private parse(buf: Buffer): void {
    let offset = 0;
    const length = buf.length;
    while (offset < length) {
      const available = length - offset;
      if (available < 2) return this.keep(buf, offset, 2);
      const first = buf[offset]!;
      const second = buf[offset + 1]!;
      if ((second & 0x80) !== 0) return this.fail('server frames must not be masked');
      if ((first & 0x70) !== 0) return this.fail('reserved bits set (no extension was negotiated)');
      const header = headerLength(second);
      if (available < header) return this.keep(buf, offset, header);
      let payloadLength = second & 0x7f;
      if (payloadLength === 126) payloadLength = buf.readUInt16BE(offset + 2);
      else if (payloadLength === 127) {
        const high = buf.readUInt32BE(offset + 2);
        if (high > 0x1fffff) return this.fail('frame longer than 2^53 bytes');
        payloadLength = high * 0x100000000 + buf.readUInt32BE(offset + 6);
      }
      const total = header + payloadLength;
      if (available < total) return this.keep(buf, offset, total);
      this.frame(first, buf, offset + header, offset + total);
      if (this.failed) return;
      offset += total;
    }
  }

  private frame(first: number, buf: Buffer, start: number, end: number): void {
    const fin = (first & 0x80) !== 0;
    const opcode = first & 0x0f;
    switch (opcode) {
      case OP_TEXT:
      case OP_BINARY:
        if (this.fragments !== undefined) return this.fail('new message before the last one finished');
        if (fin) {
          this.sink.onMessage(buf, start, end, opcode === OP_BINARY);
          return;
        }
        this.fragments = [Buffer.from(buf.subarray(start, end))];
        this.fragmentBinary = opcode === OP_BINARY;
        return;
      case OP_CONTINUATION: {
        if (this.fragments === undefined) return this.fail('continuation without a message');
        this.fragments.push(Buffer.from(buf.subarray(start, end)));
        if (!fin) return;
        const whole = Buffer.concat(this.fragments);
        this.fragments = undefined;
        this.sink.onMessage(whole, 0, whole.length, this.fragmentBinary);
        return;
      }
      case OP_PING:
        this.sink.onPing(Buffer.from(buf.subarray(start, end)));
        return;
      case OP_PONG:
        return;
      case OP_CLOSE: {
        const code = end - start >= 2 ? buf.readUInt16BE(start) : 1005;
        const reason = end - start > 2 ? buf.toString('utf8', start + 2, end) : '';
        this.sink.onClose(code, reason);
        return;
      }
      default:
        this.fail(`unknown opcode ${opcode}`);
    }
  }

  private keep(buf: Buffer, offset: number, needed: number): void {
    // A view, not a copy: Node never reuses a chunk it handed to a 'data' listener.
    const rest = buf.subarray(offset);
    this.pending = [rest];
    this.pendingBytes = rest.length;
    this.needed = needed;
  }

  private fail(message: string): void {
    this.failed = true;
    this.sink.onProtocolError(message);
  }
}
