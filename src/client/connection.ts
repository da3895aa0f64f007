/**
 * The connection lifecycle: opens a socket through the transport seam, tracks the state
 * (connecting → open → reconnecting → … → closed), decides after every close whether and when to
 * reconnect (jittered exponential backoff; promptly after a 1012 restart), and writes frames within the server's size limit. It
 * gives frames no meaning: the host decodes what arrives and reports the Welcome.
 */
import type { Codec } from '../protocol/codec.js';
import { CloseCode, ErrorCode, shouldReconnect } from '../protocol/codes.js';
import { LimitError, RemoteError, toError } from '../protocol/errors.js';
import type { ClientFrame } from '../protocol/frames.js';
import { subprotocolsFor } from '../protocol/subprotocol.js';
import { AuthRefusedError, authRetry, isAuthRefusal, tokenSource } from './auth-refusal.js';
import { backoffDelay, serviceRestartDelay } from './backoff.js';
import type { ResolvedClientOptions } from './options.js';
import { OPEN, resolveWebSocket, type WebSocketLike } from './transport.js';
import type { ClientEvents, ClientState } from './types.js';
import { batchesWithin, byteLength, overLimit } from './wire-size.js';

/** What the connection needs from the client that owns it. */
export interface ConnectionHost {
  /** A WebSocket message arrived. `current()` turns false once this socket is no longer the client's. */
  received(data: unknown, current: () => boolean): void;
  /** The socket closed; runs before the reconnect decision, to fail what was in flight on it. */
  dropped(code: number, reason: string): void;
  /** The client stopped for good: fail every call still waiting, with `error`. */
  stopped(error: Error): void;
  /** Lifecycle events for the application. */
  emit<E extends 'close' | 'reconnecting' | 'error' | 'auth_error'>(event: E, payload: ClientEvents[E]): void;
}

export class Connection {
  /** Lifecycle state; `open` only between a Welcome and the next close. */
  state: ClientState = 'connecting';
  /** The token the current socket was opened with (a Refresh replaces it). */
  token: string | undefined;
  /** Why the client stopped, when an authentication refusal stopped it. */
  refusal: AuthRefusedError | undefined;
  private current: WebSocketLike | undefined;
  private attempt = 0;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  // Unknown until the first Welcome: nothing is refused locally before the server said its limit.
  private maxPayloadBytes: number | undefined;

  constructor(
    private readonly options: ResolvedClientOptions,
    private readonly codec: Codec,
    private readonly host: ConnectionHost,
    private readonly random: () => number = Math.random,
  ) {}

  /** The current WebSocket, while one is open or opening. */
  get socket(): WebSocketLike | undefined {
    return this.current;
  }

  /** Opens the first socket. */
  start(): void {
    void this.open();
  }

  /** The server's Welcome arrived: the connection is open and the backoff starts over. */
  welcomed(maxPayloadBytes: number): void {
    this.state = 'open';
    this.attempt = 0;
    this.maxPayloadBytes = maxPayloadBytes;
  }

  /**
   * Encodes and sends one frame. Throws RemoteError DISCONNECTED without an open socket, and
   * LimitError PAYLOAD_TOO_LARGE for a message over the server's announced maxPayloadBytes rather
   * than letting the server close the connection.
   */
  write(frame: ClientFrame): void {
    const socket = this.current;
    if (socket === undefined || socket.readyState !== OPEN) throw new RemoteError(ErrorCode.Disconnected, 'not connected');
    const message = this.codec.encode(frame);
    const max = this.maxPayloadBytes;
    if (max !== undefined && overLimit(message, max)) {
      throw new LimitError(ErrorCode.PayloadTooLarge, `message of ${byteLength(message)} bytes is over the server's limit of ${max}`);
    }
    socket.send(message);
  }

  /** Sends frames packed into as few messages as maxPayloadBytes allows (several frames per message). */
  writeBatch(frames: readonly ClientFrame[]): void {
    if (frames.length === 0) return;
    for (const batch of batchesWithin(frames, this.codec, this.maxPayloadBytes ?? Infinity)) this.current?.send(this.codec.encodeBatch(batch));
  }

  /** Closes for good: no reconnect. Emits `close` if a socket was open or opening. */
  close(code: number, reason: string): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    clearTimeout(this.reconnectTimer);
    this.host.stopped(new RemoteError(ErrorCode.Disconnected, 'client closed'));
    const socket = this.current;
    this.current = undefined;
    if (socket) {
      socket.close(code, reason);
      this.host.emit('close', { code, reason, willReconnect: false });
    }
  }

  /** Opens a socket with `token`, or with the token option (a token function is asked now). */
  private async open(known?: { token: string }): Promise<void> {
    let socket: WebSocketLike;
    try {
      const WebSocketImpl = await resolveWebSocket(this.options.WebSocket);
      const token = known !== undefined ? known.token : await this.fetchToken();
      if (this.state === 'closed') return;
      this.token = token;
      socket = new WebSocketImpl(this.options.url, subprotocolsFor(this.codec.format, token));
    } catch (err) {
      this.host.emit('error', toError(err));
      this.afterClose(CloseCode.InternalError, 'could not open a WebSocket');
      return;
    }
    socket.binaryType = 'arraybuffer';
    this.current = socket;
    const current = () => this.current === socket;
    socket.onmessage = (event) => {
      if (current()) this.host.received(event.data, current);
    };
    socket.onclose = (event) => {
      if (current()) this.closed(event.code, event.reason);
    };
    // Errors are always followed by a close event, which carries what we need.
    socket.onerror = () => {};
  }

  private async fetchToken(): Promise<string | undefined> {
    return typeof this.options.token === 'function' ? await this.options.token() : this.options.token;
  }

  private closed(code: number, reason: string): void {
    this.current = undefined;
    this.host.dropped(code, reason);
    if (isAuthRefusal(code)) void this.afterRefusal(code, reason);
    else this.afterClose(code, reason);
  }

  /** Reconnects with backoff when the close code and options allow it, else stops for good. */
  private afterClose(code: number, reason: string): void {
    if (this.state === 'closed') return;
    const willReconnect = this.options.reconnect && shouldReconnect(code);
    this.host.emit('close', { code, reason, willReconnect });
    if (willReconnect) this.reconnect(undefined, code === CloseCode.ServiceRestart);
    else this.stop(new RemoteError(ErrorCode.Disconnected, `connection closed for good (${describeClose(code, reason)})`));
  }

  /**
   * An authentication refusal (see auth-refusal.ts): decides by the code and the token source,
   * reports it as `close` then `auth_error`, and reconnects or stops. After a 4504 with a token
   * function the function is asked before deciding, and its token is the one the next attempt uses.
   */
  private async afterRefusal(code: number, reason: string): Promise<void> {
    if (this.state === 'closed') return;
    let retry = this.options.reconnect ? authRetry(code, tokenSource(this.options.token)) : { action: 'stop' as const, why: 'reconnect is off' };
    let next: { token: string } | undefined;
    if (retry.action === 'retry-if-new-token') {
      this.state = 'reconnecting';
      try {
        const token = await this.fetchToken();
        if (this.stopped) return;
        if (token === undefined || token === this.token) retry = { action: 'stop', why: 'the token function returned the refused token again' };
        else next = { token };
      } catch (err) {
        if (this.stopped) return;
        // Cannot tell whether a new token would differ: try again later, asking the function anew.
        this.host.emit('error', toError(err));
        retry = { action: 'retry', why: 'the token function failed; retrying with backoff' };
      }
    }
    const willReconnect = retry.action !== 'stop';
    const error = new AuthRefusedError(code, reason, willReconnect, retry.why);
    this.host.emit('close', { code, reason, willReconnect });
    this.host.emit('auth_error', error);
    if (willReconnect) this.reconnect(next);
    else {
      this.refusal = error;
      this.stop(error);
    }
  }

  // A getter rather than `state === 'closed'`: after an await, TypeScript's narrowing of `state` is stale.
  private get stopped(): boolean {
    return this.state === 'closed';
  }

  private stop(error: Error): void {
    this.state = 'closed';
    this.host.stopped(error);
  }

  /**
   * Schedules the next attempt after a jittered, growing delay; after a planned restart (1012)
   * after a short jittered one that does not count toward the backoff.
   */
  private reconnect(next: { token: string } | undefined, restart = false): void {
    this.state = 'reconnecting';
    const backoff = { minDelayMs: this.options.minReconnectDelayMs, maxDelayMs: this.options.maxReconnectDelayMs };
    if (restart) {
      const delayMs = serviceRestartDelay(backoff, this.random);
      this.host.emit('reconnecting', { attempt: this.attempt + 1, delayMs });
      this.reconnectTimer = setTimeout(() => void this.open(next), delayMs);
      return;
    }
    const delayMs = backoffDelay(this.attempt, backoff, this.random);
    this.attempt++;
    this.host.emit('reconnecting', { attempt: this.attempt, delayMs });
    this.reconnectTimer = setTimeout(() => void this.open(next), delayMs);
  }
}

/** `4001: token expired`, or just the code when the reason is empty. */
export function describeClose(code: number, reason: string): string {
  return `${code}${reason ? `: ${reason}` : ''}`;
}
