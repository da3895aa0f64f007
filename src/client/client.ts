/**
 * The Switchboard client: one logical connection that survives disconnects. It keeps the
 * application's topic handlers, reconnects with backoff and resubscribes, and turns requests
 * (subscribe, acked publish, rpc, ping) into promises with timeouts and typed errors.
 */
import { codecFor, type Codec } from '../protocol/codec.js';
import { CloseCode, ErrorCode, shouldReconnect } from '../protocol/codes.js';
import { LimitError, ProtocolError, RemoteError, toError } from '../protocol/errors.js';
import { Kind, type ClientFrame, type PresenceInfo, type ServerFrame, type StreamPosition, type SubscribeFrame, type TopicPosition, type WelcomeFrame } from '../protocol/frames.js';
import { toServerFrame } from '../protocol/shapes.js';
import { subprotocolsFor } from '../protocol/subprotocol.js';
import { assertTopic } from '../protocol/topic.js';
import { backoffDelay, DEFAULT_BACKOFF } from './backoff.js';
import { Emitter } from './emitter.js';
import { OpenGate } from './open-gate.js';
import { RequestTable } from './requests.js';
import { Streams, type Delivery } from './streams.js';
import { Subscriptions, type MessageHandler } from './subscriptions.js';
import { TokenRefresher, tokenExpiry } from './token-refresh.js';
import { OPEN, resolveWebSocket, type WebSocketLike } from './transport.js';
import type { ClientEvents, ClientOptions, ClientState } from './types.js';

export type { MessageContext, MessageHandler } from './subscriptions.js';
export type { GapEvent } from './streams.js';
export type { ClientOptions, ClientEvents, ClientState } from './types.js';

export class SwitchboardClient extends Emitter<ClientEvents> {
  /** Current lifecycle state. */
  state: ClientState = 'connecting';
  /** The server's id for the current connection (from the welcome frame). */
  connectionId: string | undefined;
  /** Limits the server announced; undefined until the first welcome. */
  limits: WelcomeFrame['limits'] | undefined;

  private readonly codec: Codec;
  private readonly subscriptions = new Subscriptions();
  private readonly streams = new Streams();
  private readonly requests = new RequestTable();
  // Callers of ready() (and of requests) waiting for the connection to open.
  private readonly gate: OpenGate;
  private socket: WebSocketLike | undefined;
  private attempt = 0;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly requestTimeoutMs: number;
  // Token refresh (issue 3): the token of the current connection and the timer that renews it.
  private token: string | undefined;
  private readonly refresher: TokenRefresher;

  constructor(
    readonly url: string,
    private readonly options: ClientOptions = {},
  ) {
    super();
    this.codec = codecFor(options.format ?? 'msgpack');
    this.requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
    this.gate = new OpenGate(options.maxQueued ?? 1000);
    const fetchToken = typeof options.token === 'function' ? options.token : undefined;
    this.refresher = new TokenRefresher(fetchToken, (token) => this.refreshToken(token), (error) => this.emit('error', error), options.refreshMarginMs);
    void this.open();
  }

  /** Resolves once connected (immediately when open); rejects if the client is closed for good. */
  ready(): Promise<void> {
    return this.waitOpen(undefined);
  }

  /** ready() with an optional timeout. */
  private waitOpen(timeoutMs: number | undefined): Promise<void> {
    if (this.state === 'open') return Promise.resolve();
    if (this.state === 'closed') return Promise.reject(disconnected('client is closed'));
    return this.gate.wait(timeoutMs);
  }

  /**
   * Calls `handler` for every message on `topic`; resolves once the server confirmed the
   * subscription. The subscription is renewed automatically after reconnects. A refusal (invalid
   * topic, limit, permission) rejects with a RemoteError and forgets the handler; a TIMEOUT keeps
   * it, so the subscription is still made when the connection comes back.
   */
  async subscribe(topic: string, handler: MessageHandler): Promise<void> {
    assertTopic(topic, this.limits?.maxTopicBytes);
    if (!this.subscriptions.add(topic, handler)) return;
    this.streams.track(topic);
    try {
      await withTimeout(this.confirmSubscription(topic), this.requestTimeoutMs);
    } catch (err) {
      if (err instanceof RemoteError && err.code !== ErrorCode.Timeout) this.forgetTopic(topic);
      throw err;
    }
  }

  /** The last position delivered on a topic (epoch and seq), once known. */
  position(topic: string): StreamPosition | undefined {
    return this.streams.position(topic);
  }

  /**
   * Gets a topic subscribed on the server exactly once: directly when open, otherwise by the
   * resubscribe batch that follows the next welcome (which covers every topic with handlers).
   */
  private async confirmSubscription(topic: string): Promise<void> {
    for (;;) {
      if (this.state !== 'open') return this.subscriptions.waitForResubscribe(topic);
      const frame = this.subscribeFrame(topic);
      try {
        this.subscribed(topic, await this.request(frame), frame.positions?.[topic], false);
        return;
      } catch (err) {
        if (this.streams.isHeld(topic)) this.release(topic, this.streams.settle(topic, undefined, undefined).deliver);
        // Lost the connection mid-request: the resubscribe after the next welcome will do it.
        // (`state` may have changed during the await; TypeScript's narrowing does not know that.)
        if (!(err instanceof RemoteError && err.code === ErrorCode.Disconnected && (this.state as ClientState) !== 'closed')) throw err;
      }
    }
  }

  /** Removes `handler` (or every handler) from `topic`; unsubscribes on the server when none is left. */
  async unsubscribe(topic: string, handler?: MessageHandler): Promise<void> {
    if (!this.subscriptions.remove(topic, handler)) return;
    this.streams.forget(topic);
    if (this.state === 'open') await this.request({ kind: Kind.Unsubscribe, id: 0, topics: [topic] });
  }

  /** Topics with at least one handler. */
  get topics(): string[] {
    return this.subscriptions.topics;
  }

  /**
   * Publishes into a topic (the server must allow client publishing). With `ack`, resolves with
   * the topic sequence number once the server accepted it; without, resolves when sent.
   */
  async publish(topic: string, data: unknown, options: { ack?: boolean; timeoutMs?: number } = {}): Promise<number | undefined> {
    assertTopic(topic, this.limits?.maxTopicBytes);
    if (options.ack) return (await this.request({ kind: Kind.Publish, id: 0, topic, data }, options.timeoutMs)) as number;
    await this.ready();
    this.write({ kind: Kind.Publish, id: 0, topic, data });
    return undefined;
  }

  /** Calls a server RPC method; resolves with its result or rejects with a RemoteError carrying the code. */
  async rpc<T = unknown>(method: string, data?: unknown, options: { timeoutMs?: number } = {}): Promise<T> {
    return (await this.request({ kind: Kind.Rpc, id: 0, method, data: data ?? null }, options.timeoutMs)) as T;
  }

  /** Sends data to the server's onMessage hook. With `ack`, resolves once the hook finished. */
  async send(data: unknown, options: { ack?: boolean; timeoutMs?: number } = {}): Promise<void> {
    if (options.ack) {
      await this.request({ kind: Kind.Send, id: 0, data }, options.timeoutMs);
      return;
    }
    await this.ready();
    this.write({ kind: Kind.Send, id: 0, data });
  }

  /**
   * Who is on a subscribed, presence-enabled topic: distinct users, connections and member entries.
   * Rejects with RemoteError NOT_SUBSCRIBED (120) or UNSUPPORTED (110, presence off for the topic).
   */
  async presence(topic: string, options: { timeoutMs?: number } = {}): Promise<PresenceInfo> {
    assertTopic(topic, this.limits?.maxTopicBytes);
    return (await this.request({ kind: Kind.Presence, id: 0, topic }, options.timeoutMs)) as PresenceInfo;
  }

  /** Round trip to the server; resolves with the server's clock (ms since epoch). */
  async ping(options: { timeoutMs?: number } = {}): Promise<number> {
    return (await this.request({ kind: Kind.Ping, id: 0 }, options.timeoutMs)) as number;
  }

  /**
   * Replaces the connection's token without reconnecting (a Refresh frame); the new token must be
   * for the same user. Resolves with its expiry (ms since the epoch) or null. With a token
   * function as the `token` option the client does this by itself before the token expires.
   */
  async refreshToken(token: string): Promise<number | null> {
    const expiresAt = (await this.request({ kind: Kind.Refresh, id: 0, token })) as number | null;
    this.token = token;
    return expiresAt;
  }

  /** Closes for good: no reconnect; pending requests reject with DISCONNECTED. */
  close(code: number = CloseCode.Normal, reason = ''): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    clearTimeout(this.reconnectTimer);
    this.refresher.stop();
    this.failWaiters(disconnected('client closed'));
    this.requests.rejectAll(disconnected('client closed'));
    const socket = this.socket;
    this.socket = undefined;
    if (socket) {
      socket.close(code, reason);
      this.emit('close', { code, reason, willReconnect: false });
    }
  }

  // ---- requests ------------------------------------------------------------------------------

  /** Sends a request frame with a fresh id once connected; resolves with the Reply's data. */
  private async request(frame: ClientFrame, timeoutMs = this.requestTimeoutMs): Promise<unknown> {
    const deadline = Date.now() + timeoutMs;
    await this.waitOpen(timeoutMs);
    return new Promise((resolve, reject) => {
      const id = this.requests.add({ resolve, reject }, deadline - Date.now());
      try {
        this.write({ ...frame, id } as ClientFrame);
      } catch (err) {
        this.requests.reject(id, err as Error);
      }
    });
  }

  /**
   * Encodes and sends one frame. Refuses (LimitError PAYLOAD_TOO_LARGE) a message over the
   * server's announced maxPayloadBytes rather than letting the server close the connection.
   */
  private write(frame: ClientFrame): void {
    const socket = this.socket;
    if (socket === undefined || socket.readyState !== OPEN) throw disconnected('not connected');
    const message = this.codec.encode(frame);
    const max = this.limits?.maxPayloadBytes;
    if (max !== undefined && overLimit(message, max)) {
      throw new LimitError(ErrorCode.PayloadTooLarge, `message of ${byteLength(message)} bytes is over the server's limit of ${max}`);
    }
    socket.send(message);
  }

  // ---- connection lifecycle ------------------------------------------------------------------

  private async open(): Promise<void> {
    let socket: WebSocketLike;
    try {
      const WebSocketImpl = await resolveWebSocket(this.options.WebSocket);
      const token = typeof this.options.token === 'function' ? await this.options.token() : this.options.token;
      if (this.state === 'closed') return;
      this.token = token;
      socket = new WebSocketImpl(this.url, subprotocolsFor(this.codec.format, token));
    } catch (err) {
      this.emit('error', toError(err));
      this.scheduleReconnect(CloseCode.InternalError, 'could not open a WebSocket');
      return;
    }
    socket.binaryType = 'arraybuffer';
    this.socket = socket;
    socket.onmessage = (event) => {
      if (this.socket === socket) this.receive(event.data);
    };
    socket.onclose = (event) => {
      if (this.socket === socket) this.disconnected(event.code, event.reason);
    };
    // Errors are always followed by a close event, which carries what we need.
    socket.onerror = () => {};
  }

  private receive(raw: unknown): void {
    let values: unknown[];
    try {
      const message = typeof raw === 'string' ? raw : new Uint8Array(raw as ArrayBuffer);
      values = this.codec.decode(message);
    } catch (err) {
      this.emit('error', err as Error);
      return;
    }
    for (const value of values) {
      let frame: ServerFrame;
      try {
        frame = toServerFrame(value);
      } catch (err) {
        this.emit('error', err as ProtocolError);
        continue;
      }
      this.dispatch(frame);
    }
  }

  private dispatch(frame: ServerFrame): void {
    switch (frame.kind) {
      case Kind.Welcome:
        return this.welcomed(frame);
      case Kind.Message: {
        const { deliver, recover } = this.streams.receive(frame.topic, frame.seq, frame.data);
        this.release(frame.topic, deliver);
        if (recover) this.recover(frame.topic);
        return;
      }
      case Kind.Gap:
        if (this.streams.gapNotice(frame.topic, frame.seq, frame.epoch)) this.recover(frame.topic);
        return;
      case Kind.Reply:
        return this.requests.resolve(frame.id, frame.data);
      case Kind.Error:
        if (frame.id === 0) {
          this.emit('error', new RemoteError(frame.code, frame.message));
          return;
        }
        return this.requests.reject(frame.id, new RemoteError(frame.code, frame.message));
      case Kind.Join:
      case Kind.Leave: {
        const { topic, connectionId, userId, info } = frame;
        this.emit(frame.kind === Kind.Join ? 'join' : 'leave', info === undefined ? { topic, connectionId, userId } : { topic, connectionId, userId, info });
        return;
      }
      case Kind.Push:
        this.emit('message', frame.data);
        return;
      default: {
        const unreachable: never = frame;
        this.emit('error', new Error(`unhandled frame ${JSON.stringify(unreachable)}`));
      }
    }
  }

  private welcomed(frame: WelcomeFrame): void {
    this.state = 'open';
    this.attempt = 0;
    this.connectionId = frame.connectionId;
    this.limits = frame.limits;
    // Renew every subscription: one frame per topic, so one refused topic does not refuse the
    // others, packed into as few WebSocket messages as the server's maxPayloadBytes allows.
    const topics = this.subscriptions.topics;
    if (topics.length > 0) {
      const frames: ClientFrame[] = topics.map((topic) => {
        const frame = this.subscribeFrame(topic);
        frame.id = this.resubscribe(topic, frame.positions?.[topic]);
        return frame;
      });
      for (const batch of batchesWithin(frames, this.codec, frame.limits.maxPayloadBytes)) this.socket?.send(this.codec.encodeBatch(batch));
    }
    this.refresher.schedule(tokenExpiry(this.token));
    this.emit('open', frame);
    this.gate.open();
  }

  /** Registers the answer handling for one topic of the post-welcome batch; returns its request id. */
  private resubscribe(topic: string, requested: StreamPosition | undefined): number {
    const waiters = this.subscriptions.takeWaiters(topic);
    return this.requests.add(
      {
        resolve: (data) => {
          this.subscribed(topic, data, requested, true);
          waiters.forEach((waiter) => waiter.resolve());
        },
        reject: (error) => {
          if (this.streams.isHeld(topic)) this.release(topic, this.streams.settle(topic, undefined, undefined).deliver);
          const code = error instanceof RemoteError ? error.code : ErrorCode.Internal;
          // Lost again before the answer: the next welcome retries this topic for the same callers.
          if (code === ErrorCode.Disconnected) return this.subscriptions.enqueue(topic, waiters);
          // A refusal forgets the topic; a timeout keeps it for the next connection.
          if (code !== ErrorCode.Timeout) this.forgetTopic(topic);
          if (waiters.length > 0) waiters.forEach((waiter) => waiter.reject(error));
          else this.emit('error', new RemoteError(code, `resubscribe to "${topic}" failed: ${error.message}`));
        },
      },
      this.requestTimeoutMs,
    );
  }

  // ---- stream positions and recovery ---------------------------------------------------------

  /** A subscribe frame for one topic, carrying its last position so the server replays what was missed. */
  private subscribeFrame(topic: string): SubscribeFrame {
    const position = this.streams.position(topic);
    this.streams.hold(topic);
    const frame: SubscribeFrame = { kind: Kind.Subscribe, id: 0, topics: [topic] };
    if (position !== undefined) frame.positions = { [topic]: position };
    return frame;
  }

  /** Handles a subscribe answer: releases held messages, reports `subscribed` and any gap. */
  private subscribed(topic: string, data: unknown, requested: StreamPosition | undefined, resubscribe: boolean): void {
    const answer = topicPosition(data, topic);
    const { deliver, gap } = this.streams.settle(topic, answer, requested);
    this.release(topic, deliver);
    if (answer !== undefined) {
      this.emit('subscribed', { topic, epoch: answer.epoch, seq: answer.seq, recovered: requested === undefined ? undefined : answer.recovered === true, resubscribe });
    }
    if (gap !== undefined) this.emit('gap', gap);
  }

  /** Asks for the messages after the topic's last position (a gap showed in live traffic). */
  private recover(topic: string): void {
    const since = this.streams.position(topic);
    if (since === undefined) return;
    this.request({ kind: Kind.History, id: 0, topic, epoch: since.epoch, seq: since.seq }).then(
      (data) => {
        const { deliver, gap } = this.streams.settle(topic, topicPosition(data, undefined), since);
        this.release(topic, deliver);
        if (gap !== undefined) this.emit('gap', gap);
      },
      (err: unknown) => {
        // Disconnected: the resubscribe after the next welcome recovers from the same position.
        if (err instanceof RemoteError && err.code === ErrorCode.Disconnected) return;
        this.release(topic, this.streams.settle(topic, undefined, undefined).deliver);
        this.emit('error', toError(err));
      },
    );
  }

  private release(topic: string, deliveries: readonly Delivery[]): void {
    for (const { seq, data } of deliveries) this.subscriptions.deliver(topic, seq, data, (error) => this.emit('error', error));
  }

  private forgetTopic(topic: string): void {
    this.subscriptions.forget(topic);
    this.streams.forget(topic);
  }

  private disconnected(code: number, reason: string): void {
    this.refresher.stop();
    this.socket = undefined;
    this.streams.release();
    this.connectionId = undefined;
    this.requests.rejectAll(disconnected(`connection closed (${code}${reason ? `: ${reason}` : ''})`));
    this.scheduleReconnect(code, reason);
  }

  private scheduleReconnect(code: number, reason: string): void {
    if (this.state === 'closed') return;
    const willReconnect = this.options.reconnect !== false && shouldReconnect(code);
    this.emit('close', { code, reason, willReconnect });
    if (!willReconnect) {
      this.state = 'closed';
      this.failWaiters(new RemoteError(ErrorCode.Disconnected, `connection closed for good (${code}${reason ? `: ${reason}` : ''})`));
      return;
    }
    this.state = 'reconnecting';
    const delayMs = backoffDelay(this.attempt, {
      minDelayMs: this.options.minReconnectDelayMs ?? DEFAULT_BACKOFF.minDelayMs,
      maxDelayMs: this.options.maxReconnectDelayMs ?? DEFAULT_BACKOFF.maxDelayMs,
    });
    this.attempt++;
    this.emit('reconnecting', { attempt: this.attempt, delayMs });
    this.reconnectTimer = setTimeout(() => void this.open(), delayMs);
  }

  private failWaiters(error: Error): void {
    this.gate.fail(error);
    this.subscriptions.rejectWaiters(error);
  }
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

/** Reads a TopicPosition out of reply data (a subscribe reply is keyed by topic; history's is not). */
function topicPosition(data: unknown, topic: string | undefined): TopicPosition | undefined {
  const value = topic === undefined ? data : typeof data === 'object' && data !== null ? (data as Record<string, unknown>)[topic] : undefined;
  if (typeof value !== 'object' || value === null) return undefined;
  const { epoch, seq, recovered } = value as Record<string, unknown>;
  if (typeof epoch !== 'string' || typeof seq !== 'number') return undefined;
  return recovered === undefined ? { epoch, seq } : { epoch, seq, recovered: recovered === true };
}

function disconnected(message: string): RemoteError {
  return new RemoteError(ErrorCode.Disconnected, message);
}

function byteLength(message: Uint8Array | string): number {
  return typeof message === 'string' ? new TextEncoder().encode(message).length : message.length;
}

// A UTF-16 code unit is at most 3 UTF-8 bytes: most JSON messages are ruled out without encoding.
function overLimit(message: Uint8Array | string, max: number): boolean {
  if (typeof message !== 'string') return message.length > max;
  return message.length * 3 > max && byteLength(message) > max;
}

function withTimeout<T>(promise: Promise<T>, timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new RemoteError(ErrorCode.Timeout, `not connected within ${timeoutMs} ms`)), timeoutMs);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}
