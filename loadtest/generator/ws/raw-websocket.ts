/**
 * A minimal WebSocket client on a raw `net` socket: upgrade, masked sends, and the incremental
 * frame parser. No event emitter, no per-message objects: the owner passes plain callbacks and
 * receives messages as (buffer, start, end) views. Built so one generator process can hold
 * thousands of connections and read millions of frames per second.
 */
import { connect, type Socket } from 'node:net';
import { FrameParser, type FrameSink } from './frame-parser.js';
import { encodeClose, encodeFrame, Opcode } from './frame-writer.js';
import { buildUpgrade, readUpgradeResponse, type UpgradeRequest } from './handshake.js';

export interface RawWebSocketOptions extends UpgradeRequest {
  /** Source address to bind (127.0.0.x spreads connections over more ephemeral ports). */
  localAddress?: string;
  /** Source port to bind with `localAddress` (undefined: the kernel picks one). */
  localPort?: number;
  /** Give up on connect + upgrade after this long. @default 30000 ms (30 s: a ramp to 19,500 connections on 2 cores queues some for ~10 s) */
  openTimeoutMs?: number;
}

/** Callbacks of one connection. Message buffers are valid only during the call. */
export interface RawWebSocketHandlers {
  /** The 101 arrived; `protocol` is the subprotocol the server echoed. */
  onOpen(protocol: string | undefined): void;
  /** Called once per TCP chunk, before the messages in it: one clock read per chunk, not per message. */
  onChunk?(): void;
  onMessage(buf: Buffer, start: number, end: number, binary: boolean): void;
  /** Called exactly once: close frame code, or 1006 when the connection failed or dropped. */
  onClose(code: number, reason: string): void;
}

const DEFAULT_OPEN_TIMEOUT_MS = 30_000;
const CLOSE_ABNORMAL = 1006;

export class RawWebSocket implements FrameSink {
  readonly socket: Socket;
  private state: 'upgrading' | 'open' | 'closed' = 'upgrading';
  private head: Buffer | undefined;
  private readonly parser = new FrameParser(this);
  private readonly expectedAccept: string;
  private readonly openTimer: NodeJS.Timeout;

  constructor(options: RawWebSocketOptions, private readonly handlers: RawWebSocketHandlers) {
    const { bytes, expectedAccept } = buildUpgrade(options);
    this.expectedAccept = expectedAccept;
    this.socket = connect({ host: options.host, port: options.port, localAddress: options.localAddress, localPort: options.localPort, noDelay: true });
    this.socket.write(bytes);
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
    this.socket.on('error', (err) => this.finish(CLOSE_ABNORMAL, err.message));
    this.socket.on('close', () => this.finish(CLOSE_ABNORMAL, 'connection dropped'));
    this.openTimer = setTimeout(() => this.fail('upgrade timed out'), options.openTimeoutMs ?? DEFAULT_OPEN_TIMEOUT_MS);
  }

  get isOpen(): boolean {
    return this.state === 'open';
  }

  /** Sends one binary message. */
  sendBinary(payload: Uint8Array): void {
    if (this.state === 'open') this.socket.write(encodeFrame(Opcode.Binary, payload));
  }

  /** Sends one text message. */
  sendText(text: string): void {
    if (this.state === 'open') this.socket.write(encodeFrame(Opcode.Text, Buffer.from(text, 'utf8')));
  }

  /** Starts a clean close (1000) and drops the socket shortly after if the server does not. */
  close(): void {
    if (this.state !== 'open') {
      this.fail('closed by the generator');
      return;
    }
    this.socket.end(encodeClose(1000));
    setTimeout(() => this.socket.destroy(), 1000).unref();
  }

  /** Drops the TCP connection at once. */
  destroy(): void {
    this.socket.destroy();
    this.finish(CLOSE_ABNORMAL, 'destroyed by the generator');
  }

  /**
   * Drops the connection with a TCP reset. The side that closes first keeps the port in TIME_WAIT
   * for a minute; after a 19,500-connection run that would leave too few ephemeral ports for the
   * next run, so the generator resets instead (the server sees 1006).
   */
  reset(): void {
    if (this.socket.readyState !== 'closed' && !this.socket.destroyed) this.socket.resetAndDestroy();
    this.finish(CLOSE_ABNORMAL, 'reset by the generator');
  }

  onMessage(buf: Buffer, start: number, end: number, binary: boolean): void {
    this.handlers.onMessage(buf, start, end, binary);
  }

  onPing(payload: Buffer): void {
    this.socket.write(encodeFrame(Opcode.Pong, payload));
  }

  onClose(code: number, reason: string): void {
    if (this.state === 'open') this.socket.end(encodeClose(code === 1005 ? 1000 : code));
    this.finish(code, reason);
  }

  onProtocolError(message: string): void {
    this.fail(`protocol error: ${message}`);
  }

  private onData(chunk: Buffer): void {
    if (this.state === 'open') {
      this.handlers.onChunk?.();
      this.parser.push(chunk);
      return;
    }
    if (this.state !== 'upgrading') return;
    this.head = this.head === undefined ? chunk : Buffer.concat([this.head, chunk]);
    const outcome = readUpgradeResponse(this.head, this.expectedAccept);
    if (outcome.state === 'incomplete') return;
    this.head = undefined;
    if (outcome.state === 'refused') {
      this.fail(`upgrade refused: ${outcome.reason}`);
      return;
    }
    clearTimeout(this.openTimer);
    this.state = 'open';
    this.handlers.onOpen(outcome.protocol);
    if (outcome.rest.length > 0 && this.state === 'open') {
      this.handlers.onChunk?.();
      this.parser.push(outcome.rest);
    }
  }

  private fail(reason: string): void {
    this.socket.destroy();
    this.finish(CLOSE_ABNORMAL, reason);
  }

  private finish(code: number, reason: string): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    clearTimeout(this.openTimer);
    this.handlers.onClose(code, reason);
  }
}
