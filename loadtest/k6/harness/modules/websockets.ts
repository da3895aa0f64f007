/**
 * Harness shim for `k6/experimental/websockets` (and `k6/websockets`, the same API since it left
 * experimental), on the `ws` package: the constructor with protocols and `params.headers`,
 * `send`, `close`, `readyState`, `protocol`, `binaryType`, `addEventListener` and the `on*`
 * properties. An open socket keeps its VU iteration alive, and its events run as code of that VU.
 * Records k6's built-in `ws_sessions`, `ws_msgs_sent` and `ws_msgs_received`.
 */
import NodeWebSocket from 'ws';
import { addSample, requireIteration, runInIteration, type IterationContext, type PendingWork } from '../runtime.js';

type Listener = (event: Record<string, unknown>) => void;

/** A WebSocket with the browser-like API k6 gives VU code. */
export class WebSocket {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSING = 2;
  static readonly CLOSED = 3;

  binaryType: 'blob' | 'arraybuffer' = 'blob';
  onopen: Listener | null = null;
  onmessage: Listener | null = null;
  onerror: Listener | null = null;
  onclose: Listener | null = null;
  private readonly listeners = new Map<string, Listener[]>();
  private readonly socket: NodeWebSocket;
  private readonly ctx: IterationContext;

  constructor(readonly url: string, protocols?: string | string[], params: { headers?: Record<string, string> } = {}) {
    this.ctx = requireIteration('new WebSocket');
    const work: PendingWork = { close: () => this.socket.terminate() };
    this.ctx.hold(work);
    this.socket = new NodeWebSocket(url, protocols === undefined ? [] : protocols, { headers: params.headers });
    this.socket.on('open', () => {
      addSample('ws_sessions', 'counter', 1);
      this.dispatch('open', {});
    });
    this.socket.on('message', (data: Buffer, isBinary: boolean) => {
      addSample('ws_msgs_received', 'counter', 1);
      if (!isBinary) return this.dispatch('message', { data: data.toString('utf8') });
      if (this.binaryType !== 'arraybuffer') return this.ctx.fail(new Error('the k6 harness delivers binary messages only with binaryType = "arraybuffer"'));
      this.dispatch('message', { data: data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) });
    });
    this.socket.on('error', (err: Error) => this.dispatch('error', { error: err.message }));
    this.socket.on('close', (code: number, reason: Buffer) => {
      try {
        this.dispatch('close', { code, reason: reason.toString() });
      } finally {
        this.ctx.done(work);
      }
    });
  }

  get readyState(): number {
    return this.socket.readyState;
  }

  get protocol(): string {
    return this.socket.protocol;
  }

  /** Sends text, or binary for an ArrayBuffer / typed array. */
  send(data: string | ArrayBuffer | ArrayBufferView): void {
    addSample('ws_msgs_sent', 'counter', 1);
    this.socket.send(data);
  }

  /** Starts the closing handshake. */
  close(code?: number, reason?: string): void {
    this.socket.close(code, reason);
  }

  addEventListener(type: string, listener: Listener): void {
    const list = this.listeners.get(type) ?? [];
    list.push(listener);
    this.listeners.set(type, list);
  }

  private dispatch(type: string, fields: Record<string, unknown>): void {
    const event = { type, target: this, ...fields };
    const property = (this as unknown as Record<string, Listener | null>)[`on${type}`];
    runInIteration(this.ctx, () => {
      property?.call(this, event);
      for (const listener of this.listeners.get(type) ?? []) listener.call(this, event);
    });
  }
}

export default { WebSocket };
