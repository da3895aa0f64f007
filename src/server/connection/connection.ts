/**
 * One WebSocket connection's state and the `Client` handle the application hooks receive. Every
 * method is safe after close: it does nothing rather than touch a closed socket.
 */
import type { Codec } from '../../protocol/codec.js';
import { CloseCode } from '../../protocol/codes.js';
import { Kind, type Format, type ServerFrame } from '../../protocol/frames.js';
import type { Follower, Lag } from '../core/follower.js';
import type { WireFormat } from '../core/wire-format.js';
import { SendStatus, type SocketLike } from '../transport/socket.js';
import type { ConnectionGuard } from './guard.js';
import { TopicSet } from './topic-set.js';

/** What the application sees of a connection. */
export interface Client {
  /** Connection id, unique within this server process (sent in the welcome frame). */
  readonly id: string;
  /** Authenticated user id, or null for anonymous connections. */
  readonly userId: string | null;
  /** Claims from the JWT or the authenticate hook (replaced by a Refresh). */
  readonly claims: Readonly<Record<string, unknown>>;
  /** Public user data from the authenticate hook or the token's `info` claim (e.g. for presence); undefined if none. */
  readonly info: unknown;
  /** When the connection's token expires (ms since the epoch; the server then closes with 4001), or undefined. */
  readonly expiresAt: number | undefined;
  /** Client address as text (the `X-Forwarded-For` client when the peer is a trusted proxy). */
  readonly remoteAddress: string;
  /** Wire format negotiated at upgrade. */
  readonly format: Format;
  /** Topics this connection is subscribed to. */
  readonly topics: ReadonlySet<string>;
  /** Milliseconds since the epoch when the connection opened. */
  readonly connectedAt: number;
  /** True once the socket has closed; every method is then a no-op. */
  readonly closed: boolean;
  /** Sends `data` to this connection only (a Push frame). Returns false when closed or dropped. */
  send(data: unknown): boolean;
  /**
   * Subscribes this connection to a topic on the server's initiative (not counted against
   * maxSubscriptions). Throws ProtocolError(INVALID_TOPIC) for an invalid name.
   */
  subscribe(topic: string): void;
  /** Unsubscribes this connection from a topic. */
  unsubscribe(topic: string): void;
  /** Closes the connection with a close code (default 4000 SERVER_CLOSED) and a short reason. */
  close(code?: number, reason?: string): void;
}

/** Server operations a connection delegates to (topic bookkeeping lives in one place). */
export interface ConnectionHost {
  subscribe(connection: Connection, topics: readonly string[]): unknown;
  unsubscribe(connection: Connection, topics: readonly string[]): void;
}

/** Per-connection counters, read by stats and logs. */
export interface ConnectionCounters {
  messagesIn: number;
  bytesIn: number;
  framesOut: number;
  badFrames: number;
}

/** How a connection speaks: its wire format for fan-out and the codec for its own frames. */
export interface ConnectionWire {
  readonly format: Format;
  readonly wire: WireFormat;
  readonly codec: Codec;
}

/**
 * Every open socket holds one of these, so its size is the server's memory per connection, a
 * figure we compete on (docs/notes/memory.md): fields that are shared (the wire) or rare are not
 * copied onto it, and every field is declared here so that V8 keeps them all inside the object.
 * It is also the topic core's follower (core/follower.ts): the follower state is fields of this
 * object, not an object of its own.
 */
export class Connection implements Client, Follower {
  readonly topics = new TopicSet();
  readonly connectedAt = Date.now();
  // Counters are plain fields rather than an object: one object fewer per connection (memory per
  // connection is a figure we compete on). `counters` reads them as one object.
  messagesIn = 0;
  bytesIn = 0;
  framesOut = 0;
  badFrames = 0;
  /** The live socket between open and close; undefined before open and after close. */
  socket: SocketLike | undefined = undefined;
  closed = false;
  /** Topics whose subscription waits for an async history read (not yet delivered natively). */
  attaching: Set<string> | undefined = undefined;
  /** Set while the connection is in the slow lane (see slow-consumers.ts). */
  lag: Lag | undefined = undefined;
  info: unknown = undefined;
  /** Rate limits, token expiry and admission slot (guard.ts); set at upgrade. */
  guard: ConnectionGuard | undefined = undefined;
  /**
   * Set when the upgrade was refused (authentication, origin): the socket opens only to be closed
   * at once with this code, so that browsers can read why. Never registered, never welcomed.
   */
  refusal: { readonly code: number; readonly reason: string } | undefined = undefined;
  /**
   * The upgrade request's forwarded headers (`backend.forwardHeaders`), kept only when a backend
   * hook after the upgrade (subscribe, publish, rpc) will send them; undefined otherwise.
   */
  backendHeaders: Readonly<Record<string, string>> | undefined = undefined;

  constructor(
    private readonly host: ConnectionHost,
    readonly id: string,
    readonly userId: string | null,
    public claims: Readonly<Record<string, unknown>>,
    readonly remoteAddress: string,
    // One shared object per wire format: its three parts are getters, not three fields each.
    private readonly speaks: ConnectionWire,
  ) {}

  get format(): Format {
    return this.speaks.format;
  }

  /** The wire format it follows topics in (the core's fan-out unit). */
  get wire(): WireFormat {
    return this.speaks.wire;
  }

  /** Encodes this connection's own frames (replies, errors, pushes). */
  get codec(): Codec {
    return this.speaks.codec;
  }

  /** Per-connection counters, read by stats and logs. */
  get counters(): ConnectionCounters {
    return { messagesIn: this.messagesIn, bytesIn: this.bytesIn, framesOut: this.framesOut, badFrames: this.badFrames };
  }

  get expiresAt(): number | undefined {
    return this.guard?.expiresAt;
  }

  /** Sends one frame; false when closed or when uWS dropped it (backpressure limit). */
  sendFrame(frame: ServerFrame): boolean {
    const socket = this.socket;
    if (socket === undefined) return false;
    this.framesOut++;
    // Queued behind backpressure still counts as sent: it will be delivered.
    return socket.send(this.codec.encode(frame), this.codec.binary) !== SendStatus.Dropped;
  }

  /** Sends one frame from outside a uWS callback (after an await), corked into one syscall. */
  sendFrameLater(frame: ServerFrame): boolean {
    const socket = this.socket;
    if (socket === undefined) return false;
    let sent = false;
    socket.cork(() => {
      sent = this.sendFrame(frame);
    });
    return sent;
  }

  /** Sends one publication in this connection's wire format. */
  sendPublication(topic: string, seq: number, payload: Uint8Array): boolean {
    const socket = this.socket;
    if (socket === undefined) return false;
    this.framesOut++;
    return socket.send(this.wire.message(topic, seq, payload), this.wire.binary) !== SendStatus.Dropped;
  }

  /** Sends a message already encoded in this connection's wire format (one frame built for many filtered followers). */
  sendEncoded(message: Uint8Array | string): boolean {
    const socket = this.socket;
    if (socket === undefined) return false;
    this.framesOut++;
    return socket.send(message, this.wire.binary) !== SendStatus.Dropped;
  }

  /** Tells the connection it may have missed publications of `topic` up to `seq` (of `epoch`, when given). */
  sendGap(topic: string, seq: number, epoch?: string): boolean {
    const socket = this.socket;
    if (socket === undefined) return false;
    this.framesOut++;
    return socket.send(this.wire.gap(topic, seq, epoch), this.wire.binary) !== SendStatus.Dropped;
  }

  /** Runs `fn` corked (one syscall for everything it sends); does nothing once closed. */
  corked(fn: () => void): void {
    const socket = this.socket;
    if (socket !== undefined) socket.cork(fn);
  }

  /** Bytes queued in uWS for this socket, waiting for the peer to read them. */
  get bufferedAmount(): number {
    return this.socket?.getBufferedAmount() ?? 0;
  }

  send(data: unknown): boolean {
    return this.sendFrameLater({ kind: Kind.Push, data });
  }

  subscribe(topic: string): void {
    if (this.closed) return;
    const started = this.host.subscribe(this, [topic]);
    // Only an external (async) history store can fail here, and the core has then already rolled
    // the subscription back and counted the failure; nothing is left for the caller to undo.
    if (started instanceof Promise) started.catch(() => undefined);
  }

  unsubscribe(topic: string): void {
    if (!this.closed) this.host.unsubscribe(this, [topic]);
  }

  close(standard: number = CloseCode.ServerClosed, reason = ''): void {
    const socket = this.socket;
    if (socket === undefined) return;
    const code = this.wire.closeCode?.(standard) ?? standard;
    // RFC 6455: only these codes may be sent, and a close reason fits in 123 bytes.
    const sendable = (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1012) || (code >= 3000 && code <= 4999);
    socket.end(sendable ? code : CloseCode.ServerClosed, truncateUtf8(reason, 123));
  }
}

function truncateUtf8(text: string, maxBytes: number): string {
  const bytes = new TextEncoder().encode(text);
  if (bytes.length <= maxBytes) return text;
  // Cut on a byte budget, then drop a split trailing character (decoded as U+FFFD).
  return new TextDecoder().decode(bytes.subarray(0, maxBytes)).replace(/\uFFFD$/, '');
}
