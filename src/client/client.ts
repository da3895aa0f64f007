/**
 * The Switchboard client: one logical connection that survives disconnects. This class is the
 * public face and the wiring; the work is done by Connection (lifecycle and reconnects),
 * dispatchMessage (inbound frames), RequestTable (answers by id) and SubscriptionRecovery
 * (subscriptions, positions and replay).
 */
import { codecFor, type Codec } from '../protocol/codec.js';
import { CloseCode, ErrorCode } from '../protocol/codes.js';
import { RemoteError } from '../protocol/errors.js';
import { Kind, type ClientFrame, type PresenceInfo, type PublishFrame, type StreamPosition, type WelcomeFrame } from '../protocol/frames.js';
import { readTags } from '../protocol/tags.js';
import { assertTopic } from '../protocol/topic.js';
import { Connection, describeClose } from './connection.js';
import { dispatchMessage, type FrameHandlers } from './dispatch.js';
import { Emitter } from './emitter.js';
import { OpenGate } from './open-gate.js';
import { resolveClientOptions, type ClientOptions, type ResolvedClientOptions } from './options.js';
import { SubscriptionRecovery } from './recovery.js';
import { RequestTable } from './requests.js';
import { Streams } from './streams.js';
import { Subscriptions, type MessageHandler, type SubscribeOptions } from './subscriptions.js';
import { TokenRefresher, tokenExpiry } from './token-refresh.js';
import type { WebSocketLike } from './transport.js';
import type { ClientEvents, ClientState } from './types.js';

export type { MessageContext, MessageHandler, SubscribeOptions } from './subscriptions.js';
export type { GapEvent } from './streams.js';
export type { ClientOptions, ClientEvents, ClientState } from './types.js';
export { batchesWithin } from './wire-size.js';

/** A client connection to a Switchboard server; create it with `connect()`. */
export class SwitchboardClient extends Emitter<ClientEvents> {
  /** The server's id for the current connection (from the welcome frame). */
  connectionId: string | undefined;
  /** Limits the server announced; undefined until the first welcome. */
  limits: WelcomeFrame['limits'] | undefined;

  private readonly options: ResolvedClientOptions;
  private readonly codec: Codec;
  private readonly subscriptions = new Subscriptions();
  private readonly requests = new RequestTable();
  // Callers of ready() (and of requests) waiting for the connection to open.
  private readonly gate: OpenGate;
  private readonly connection: Connection;
  private readonly recovery: SubscriptionRecovery;
  private readonly refresher: TokenRefresher;

  /** Starts connecting at once. Throws OptionsError (naming the key) for a bad URL or option. */
  constructor(
    readonly url: string,
    options: ClientOptions = {},
  ) {
    super();
    this.options = resolveClientOptions(url, options);
    this.codec = codecFor(this.options.format);
    this.gate = new OpenGate(this.options.maxQueued);
    const emit = this.emit.bind(this) as <E extends keyof ClientEvents>(event: E, payload: ClientEvents[E]) => void;
    const connection = new Connection(this.options, this.codec, {
      received: (data, current) => dispatchMessage(data, this.codec, this.frameHandlers, current),
      dropped: (code, reason) => this.dropped(code, reason),
      stopped: (error) => this.stopped(error),
      emit,
    });
    this.connection = connection;
    this.recovery = new SubscriptionRecovery(
      this.subscriptions,
      new Streams(),
      {
        get state() {
          return connection.state;
        },
        request: (frame) => this.request(frame),
        track: (settler) => this.requests.add(settler, this.options.requestTimeoutMs),
        emit,
      },
      this.options.requestTimeoutMs,
    );
    const fetchToken = typeof this.options.token === 'function' ? this.options.token : undefined;
    this.refresher = new TokenRefresher(fetchToken, (token) => this.refreshToken(token), (error) => this.emit('error', error), this.options.refreshMarginMs);
    connection.start();
  }

  /** Current lifecycle state. */
  get state(): ClientState {
    return this.connection.state;
  }

  // The current WebSocket. Not API: the zero-loss test pauses it under this name to play a slow
  // reader. Protected rather than private only because nothing in the class reads it.
  protected get socket(): WebSocketLike | undefined {
    return this.connection.socket;
  }

  /** Resolves once connected (immediately when open); rejects if the client is closed for good. */
  ready(): Promise<void> {
    return this.waitOpen(undefined);
  }

  /**
   * Calls `handler` for every message on `topic`; resolves once the server confirmed the
   * subscription. The subscription is renewed automatically after reconnects. A refusal (invalid
   * topic, limit, permission) rejects with a RemoteError and forgets the handler; a TIMEOUT keeps
   * it, so the subscription is still made when the connection comes back. `{ latest: true }`:
   * the handler first gets the topic's most recent publication; `{ filter }`: only publications
   * whose tags match (see SubscribeOptions).
   */
  async subscribe(topic: string, handler: MessageHandler, options?: SubscribeOptions): Promise<void> {
    assertTopic(topic, this.limits?.maxTopicBytes);
    // Closed for good: no Welcome will come to renew it, so answer now, as every request does.
    if (this.state === 'closed') throw this.closedError();
    return this.recovery.subscribe(topic, handler, options);
  }

  /** The last position delivered on a topic (epoch and seq), once known. */
  position(topic: string): StreamPosition | undefined {
    return this.recovery.position(topic);
  }

  /** Removes `handler` (or every handler) from `topic`; unsubscribes on the server when none is left. */
  async unsubscribe(topic: string, handler?: MessageHandler): Promise<void> {
    if (!this.recovery.unsubscribe(topic, handler)) return;
    if (this.state === 'open') await this.request({ kind: Kind.Unsubscribe, id: 0, topics: [topic] });
  }

  /** Topics with at least one handler. */
  get topics(): string[] {
    return this.subscriptions.topics;
  }

  /**
   * Publishes into a topic (the server must allow client publishing). With `ack`, resolves with
   * the topic sequence number once the server accepted it; without, resolves when sent. `tags`
   * (string → string, docs/protocol.md §5.6) decide which filtered subscriptions get it; a shape
   * past the documented limits throws BAD_FRAME before anything is sent.
   */
  async publish(topic: string, data: unknown, options: { ack?: boolean; timeoutMs?: number; tags?: Readonly<Record<string, string>> } = {}): Promise<number | undefined> {
    assertTopic(topic, this.limits?.maxTopicBytes);
    const tags = readTags(options.tags);
    // Without tags, the 4-element frame older servers know.
    const frame: PublishFrame = tags === undefined ? { kind: Kind.Publish, id: 0, topic, data } : { kind: Kind.Publish, id: 0, topic, data, tags };
    if (options.ack) return (await this.request(frame, options.timeoutMs)) as number;
    await this.ready();
    this.connection.write(frame);
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
    this.connection.write({ kind: Kind.Send, id: 0, data });
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
    this.connection.token = token;
    return expiresAt;
  }

  /** Closes for good: no reconnect; pending requests reject with DISCONNECTED. */
  close(code: number = CloseCode.Normal, reason = ''): void {
    this.connection.close(code, reason);
  }

  /** ready() with an optional timeout. */
  private waitOpen(timeoutMs: number | undefined): Promise<void> {
    if (this.state === 'open') return Promise.resolve();
    if (this.state === 'closed') return Promise.reject(this.closedError());
    return this.gate.wait(timeoutMs);
  }

  /** Why calls fail once closed for good: the authentication refusal that stopped it, or DISCONNECTED. */
  private closedError(): Error {
    return this.connection.refusal ?? new RemoteError(ErrorCode.Disconnected, 'client is closed');
  }

  /** Sends a request frame with a fresh id once connected; resolves with the Reply's data. */
  private async request(frame: ClientFrame, timeoutMs = this.options.requestTimeoutMs): Promise<unknown> {
    const deadline = Date.now() + timeoutMs;
    await this.waitOpen(timeoutMs);
    return new Promise((resolve, reject) => {
      const id = this.requests.add({ resolve, reject }, deadline - Date.now());
      try {
        this.connection.write({ ...frame, id } as ClientFrame);
      } catch (err) {
        this.requests.reject(id, err as Error);
      }
    });
  }

  // Inbound frames, by kind (see dispatch.ts).
  private readonly frameHandlers: FrameHandlers = {
    welcome: (frame) => {
      this.connection.welcomed(frame.limits.maxPayloadBytes);
      this.connectionId = frame.connectionId;
      this.limits = frame.limits;
      this.connection.writeBatch(this.recovery.renewAll());
      this.refresher.schedule(tokenExpiry(this.connection.token));
      this.emit('open', frame);
      this.gate.open();
    },
    message: (frame) => this.recovery.message(frame),
    gap: (frame) => this.recovery.gap(frame),
    reply: (frame) => this.requests.resolve(frame.id, frame.data),
    error: (frame) => {
      const error = new RemoteError(frame.code, frame.message);
      if (frame.id === 0) this.emit('error', error);
      else this.requests.reject(frame.id, error);
    },
    presence: ({ kind, topic, connectionId, userId, info }) => {
      this.emit(kind === Kind.Join ? 'join' : 'leave', info === undefined ? { topic, connectionId, userId } : { topic, connectionId, userId, info });
    },
    push: (frame) => this.emit('message', frame.data),
    problem: (error) => this.emit('error', error),
  };

  /** The socket closed: everything tied to it ends; Connection then decides about reconnecting. */
  private dropped(code: number, reason: string): void {
    this.refresher.stop();
    this.recovery.dropped();
    this.connectionId = undefined;
    this.requests.rejectAll(new RemoteError(ErrorCode.Disconnected, `connection closed (${describeClose(code, reason)})`));
  }

  /** The client is closed for good: every request and waiting call fails with `error`. */
  private stopped(error: Error): void {
    this.refresher.stop();
    this.gate.fail(error);
    this.recovery.stopped(error);
    this.requests.rejectAll(error);
  }
}
