/**
 * A protocol-level test client on the `ws` package: sends exact frames (or exact bytes) and waits
 * for typed server frames. Used where the SDK would hide what is on the wire (hostile input,
 * close codes, protocol conformance).
 */
import WebSocket from 'ws';
import { codecFor, toServerFrame, type ClientFrame, type Format, type ServerFrame, Subprotocol } from '../../src/protocol/index.js';

export class RawClient {
  readonly frames: ServerFrame[] = [];
  /**
   * How the socket closed. `abnormal` is set only for 1006 (no close frame arrived): the client-side
   * error that ended it, if any, so a failing assertion shows why instead of a bare 1006.
   */
  closed: { code: number; reason: string; abnormal?: string } | undefined;
  private waiters: Array<() => void> = [];
  private lastError: string | undefined;

  private constructor(readonly ws: WebSocket, readonly format: Format) {
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      const codec = codecFor(format);
      for (const value of codec.decode(isBinary ? new Uint8Array(data) : data.toString('utf8'))) this.frames.push(toServerFrame(value));
      this.wake();
    });
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      if (code === 1006) this.closed.abnormal = this.lastError ?? 'the TCP connection ended without a close frame';
      this.wake();
    });
    ws.on('error', (err) => (this.lastError = err.message));
  }

  /** Connects and waits for the welcome frame. */
  static async connect(url: string, options: { format?: Format; protocols?: string[]; headers?: Record<string, string> } = {}): Promise<RawClient> {
    const format = options.format ?? 'msgpack';
    const ws = new WebSocket(url, options.protocols ?? [Subprotocol[format]], { headers: options.headers });
    const client = new RawClient(ws, format);
    await client.next((frame) => frame.kind === 16);
    return client;
  }

  /** Sends one frame encoded with this client's codec. */
  send(frame: ClientFrame): void {
    this.ws.send(codecFor(this.format).encode(frame));
  }

  /** Sends raw bytes or text exactly as given. */
  sendRaw(data: Uint8Array | string): void {
    this.ws.send(data);
  }

  /** Waits for (and removes) the first received frame matching `match`. */
  async next(match: (frame: ServerFrame) => boolean = () => true, timeoutMs = 5000): Promise<ServerFrame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.frames.findIndex(match);
      if (index >= 0) return this.frames.splice(index, 1)[0]!;
      if (this.closed) throw new Error(`socket closed (${this.closed.code}${this.closed.abnormal ? `: ${this.closed.abnormal}` : ''}) before the expected frame arrived`);
      if (Date.now() > deadline) throw new Error(`no matching frame within ${timeoutMs} ms; have ${JSON.stringify(this.frames)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(1, deadline - Date.now()));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Waits for the answer (Reply or Error) to request `id`. */
  answer(id: number, timeoutMs?: number): Promise<ServerFrame> {
    return this.next((frame) => (frame.kind === 21 || frame.kind === 22) && frame.id === id, timeoutMs);
  }

  /** Waits for the socket to close and returns the close code and reason. */
  async closedWith(timeoutMs = 5000): Promise<{ code: number; reason: string; abnormal?: string }> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed) {
      if (Date.now() > deadline) throw new Error('socket did not close');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 20);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.closed;
  }

  close(): void {
    this.ws.close();
  }

  private wake(): void {
    const waiters = this.waiters.splice(0);
    for (const wake of waiters) wake();
  }
}
