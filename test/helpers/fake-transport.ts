/**
 * Fakes of the transport seam (src/server/transport.ts) for unit tests of the core, the
 * connection rules and the protocol fronts without a server: a socket that records what it was
 * sent, and a fan-out that copies a publication to its followers the way uWS does.
 */
import { decodeMulti } from '@msgpack/msgpack';
import { SendStatus, type Fanout, type SocketLike } from '../../src/server/transport/socket.js';

/** A socket that records every message, its close, and lets the test set its buffered bytes. */
export class FakeSocket implements SocketLike {
  readonly sent: Array<Uint8Array | string> = [];
  closedWith: { code: number | undefined; reason: string | undefined } | undefined;
  buffered = 0;
  /** What `send` answers (set Dropped to simulate the hard backpressure cap). */
  sendStatus: number = SendStatus.Success;
  corks = 0;

  send(message: Uint8Array | string): number {
    if (this.closedWith !== undefined) throw new Error('send after close: a real uWS socket would crash the process');
    this.sent.push(typeof message === 'string' ? message : Uint8Array.from(message));
    return this.sendStatus;
  }

  cork(fn: () => void): void {
    this.corks++;
    fn();
  }

  end(code?: number, reason?: string): void {
    if (this.closedWith !== undefined) throw new Error('end after close');
    this.closedWith = { code, reason };
  }

  getBufferedAmount(): number {
    return this.buffered;
  }

  /**
   * Every frame of every message, decoded by an independent decoder (@msgpack/msgpack, or JSON
   * lines for text); a message may hold several frames.
   */
  frames(): unknown[] {
    return this.sent.flatMap((message) =>
      typeof message === 'string' ? message.split('\n').map((line) => JSON.parse(line) as unknown) : [...decodeMulti(message)],
    );
  }
}

/** Native fan-out in memory: per (topic, format) the following sockets; publish copies to each. */
export class FakeFanout implements Fanout {
  readonly followers = new Map<string, Set<FakeSocket>>();
  /** Every publish call, for tests that count encodings. */
  readonly published: Array<{ topic: string; format: string; isBinary: boolean }> = [];

  subscribe(socket: SocketLike, topic: string, format: string): void {
    const key = `${format}|${topic}`;
    let set = this.followers.get(key);
    if (set === undefined) this.followers.set(key, (set = new Set()));
    set.add(socket as FakeSocket);
  }

  unsubscribe(socket: SocketLike | undefined, topic: string, format: string): void {
    const key = `${format}|${topic}`;
    const set = this.followers.get(key);
    if (set === undefined) return;
    if (socket !== undefined) set.delete(socket as FakeSocket);
    if (set.size === 0) this.followers.delete(key);
  }

  /** What the transport does at close: the socket leaves every topic. */
  dropSocket(socket: FakeSocket): void {
    for (const [key, set] of this.followers) {
      set.delete(socket);
      if (set.size === 0) this.followers.delete(key);
    }
  }

  has(topic: string, format: string): boolean {
    return this.followers.has(`${format}|${topic}`);
  }

  publish(topic: string, format: string, message: Uint8Array | string, isBinary: boolean): void {
    this.published.push({ topic, format, isBinary });
    for (const socket of this.followers.get(`${format}|${topic}`) ?? []) socket.send(message);
  }

  /** Like uWS `ws.publish`: every follower but the sender, which stays subscribed. */
  publishExcept(sender: SocketLike, topic: string, format: string, message: Uint8Array | string, isBinary: boolean): void {
    this.published.push({ topic, format, isBinary });
    for (const socket of this.followers.get(`${format}|${topic}`) ?? []) if (socket !== sender) socket.send(message);
  }
}
