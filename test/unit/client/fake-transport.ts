/**
 * A fake WebSocket for unit tests of the client SDK's logic. It plugs into the transport seam
 * (`options.WebSocket`, see src/client/transport.ts), records every frame the client sends and lets
 * the test play the server: accept, send frames (several in one message if it likes), close with a
 * code. No network and no server, so reconnect, dispatch and recovery decisions can be checked one
 * at a time; integration tests cover the real thing.
 */
import { codecFor, type Codec } from '../../../src/protocol/codec.js';
import { Kind, type ClientFrame, type Format, type ServerFrame, type TopicPosition, type WelcomeFrame } from '../../../src/protocol/frames.js';
import { toClientFrame } from '../../../src/protocol/shapes.js';
import type { MessageHandler, SwitchboardClient } from '../../../src/client/index.js';
import type { WebSocketConstructor, WebSocketLike } from '../../../src/client/transport.js';

/** Limits a fake Welcome announces unless a test gives others. */
export const FAKE_LIMITS: WelcomeFrame['limits'] = { maxPayloadBytes: 65_536, maxSubscriptions: 1000, maxTopicBytes: 256 };

/** One fake socket, as created by the client; the test drives the server side. */
export class FakeSocket implements WebSocketLike {
  binaryType = 'blob';
  readyState = 0; // CONNECTING
  readonly protocol = '';
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number; reason: string }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  /** Raw messages the client sent, in order. */
  readonly sent: Array<string | ArrayBufferLike | Uint8Array> = [];
  /** The client's own close() call, if any. */
  closedByClient: { code: number | undefined; reason: string | undefined } | undefined;

  constructor(
    readonly url: string,
    readonly protocols: string[],
    private readonly codec: Codec,
  ) {}

  send(data: string | ArrayBufferLike | Uint8Array): void {
    if (this.readyState !== 1) throw new Error('fake socket is not open');
    this.sent.push(data);
  }

  close(code?: number, reason?: string): void {
    this.closedByClient = { code, reason };
    this.readyState = 3;
  }

  /** The token the client offered in its subprotocol list, if any. */
  get token(): string | undefined {
    return this.protocols.find((entry) => entry.startsWith('switchboard.token.'))?.slice('switchboard.token.'.length);
  }

  /** Every frame the client sent, decoded. */
  get frames(): ClientFrame[] {
    return this.sent.flatMap((message) => this.codec.decode(message instanceof Uint8Array || typeof message === 'string' ? message : new Uint8Array(message)).map(toClientFrame));
  }

  /** Frames the client sent of one kind. */
  framesOf<K extends ClientFrame['kind']>(kind: K): Array<Extract<ClientFrame, { kind: K }>> {
    return this.frames.filter((frame): frame is Extract<ClientFrame, { kind: K }> => frame.kind === kind);
  }

  /** The upgrade succeeds (the socket is open; the client still waits for a Welcome). */
  accept(): this {
    this.readyState = 1;
    this.onopen?.({});
    return this;
  }

  /** Accepts and sends a Welcome. */
  welcome(connectionId = 'fake-1', limits: WelcomeFrame['limits'] = FAKE_LIMITS): this {
    if (this.readyState === 0) this.accept();
    return this.push({ kind: Kind.Welcome, connectionId, serverTime: 0, version: 1, limits });
  }

  /** Sends the frames to the client in ONE WebSocket message, as the server may. */
  push(...frames: ServerFrame[]): this {
    return this.pushRaw(this.codec.encodeBatch(frames));
  }

  /** Sends one raw WebSocket message (binary as an ArrayBuffer, as with binaryType 'arraybuffer'). */
  pushRaw(message: Uint8Array | string): this {
    const data = typeof message === 'string' ? message : message.buffer.slice(message.byteOffset, message.byteOffset + message.byteLength);
    this.onmessage?.({ data });
    return this;
  }

  /** The server (or the network) closes the socket with `code`. */
  drop(code: number, reason = ''): void {
    this.readyState = 3;
    this.onclose?.({ code, reason });
  }
}

/** Plays the server for one client: every socket the client opens, in order. */
export class FakeServer {
  readonly sockets: FakeSocket[] = [];
  readonly codec: Codec;
  /** Pass as the client's `WebSocket` option. */
  readonly WebSocket: WebSocketConstructor;
  private waiting: Array<() => void> = [];

  constructor(format: Format = 'msgpack') {
    this.codec = codecFor(format);
    const server = this;
    this.WebSocket = class {
      constructor(url: string, protocols?: string | string[]) {
        const socket = new FakeSocket(url, typeof protocols === 'string' ? [protocols] : (protocols ?? []), server.codec);
        server.sockets.push(socket);
        for (const wake of server.waiting.splice(0)) wake();
        return socket;
      }
    } as unknown as WebSocketConstructor;
  }

  /** The most recent socket. */
  get socket(): FakeSocket {
    const socket = this.sockets.at(-1);
    if (socket === undefined) throw new Error('the client has not opened a socket yet');
    return socket;
  }

  /** Resolves with socket number `count` (1-based) once the client has opened it. */
  async connection(count = this.sockets.length + 1): Promise<FakeSocket> {
    while (this.sockets.length < count) await new Promise<void>((resolve) => this.waiting.push(resolve));
    return this.sockets[count - 1]!;
  }
}

/** Lets pending promise callbacks (the client's async open, awaited requests) run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** subscribe() on an open client, answered by the fake server with `position`; returns the Subscribe frame sent. */
export async function subscribeOn(client: SwitchboardClient, socket: FakeSocket, topic: string, handler: MessageHandler, position: TopicPosition) {
  const subscribed = client.subscribe(topic, handler);
  await settle();
  const frame = socket.framesOf(Kind.Subscribe).filter((sent) => sent.topics.includes(topic)).at(-1);
  if (frame === undefined) throw new Error(`the client sent no Subscribe for ${topic}`);
  socket.push({ kind: Kind.Reply, id: frame.id, data: { [topic]: position } });
  await subscribed;
  return frame;
}
