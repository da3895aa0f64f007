/**
 * Native topic fan-out on uWS: `app.publish` copies one message to every subscribed socket in C++.
 * Each wire format is a separate uWS topic namespace: the format named '' uses the bare topic name
 * (msgpack, the common case, pays for nothing extra), every other format a shadow name
 * `"<format> <topic>"`. Valid topic names never contain a space, so shadows cannot collide with
 * real topics. Shadow formats are counted here, so `has()` never builds a name for a format nobody
 * follows, and each shadow name is built once when its topic gets its first follower in that
 * format, not once per publication.
 */
import type { Fanout, SocketLike } from '../transport/socket.js';
import type { TemplatedApp, WebSocket } from './binding.js';

/** A topic's followers in one shadow format, and the uWS topic name they follow. */
interface Shadow {
  readonly name: string;
  count: number;
}

export class UwsFanout implements Fanout {
  // Per shadow format, its followed topics; absent means none.
  private readonly shadows = new Map<string, Map<string, Shadow>>();

  constructor(private readonly app: TemplatedApp) {}

  subscribe(socket: SocketLike, topic: string, format: string): void {
    const ws = socket as WebSocket<unknown>;
    if (format === '') {
      ws.subscribe(topic);
      return;
    }
    const topics = this.topicsOf(format);
    let shadow = topics.get(topic);
    if (shadow === undefined) topics.set(topic, (shadow = { name: `${format} ${topic}`, count: 0 }));
    shadow.count++;
    ws.subscribe(shadow.name);
  }

  unsubscribe(socket: SocketLike | undefined, topic: string, format: string): void {
    const ws = socket as WebSocket<unknown> | undefined;
    if (format === '') {
      ws?.unsubscribe(topic);
      return;
    }
    const topics = this.topicsOf(format);
    const shadow = topics.get(topic);
    ws?.unsubscribe(shadow?.name ?? `${format} ${topic}`);
    if (shadow === undefined) return;
    if (--shadow.count <= 0) topics.delete(topic);
  }

  has(topic: string, format: string): boolean {
    if (format === '') return this.app.numSubscribers(topic) > 0;
    return this.shadows.get(format)?.has(topic) === true;
  }

  publish(topic: string, format: string, message: Uint8Array | string, isBinary: boolean): void {
    if (format === '') {
      this.app.publish(topic, message, isBinary);
      return;
    }
    // Nobody follows the shadow: nothing to send (the core asks has() first anyway).
    const shadow = this.shadows.get(format)?.get(topic);
    if (shadow !== undefined) this.app.publish(shadow.name, message, isBinary);
  }

  // uWS's own sender exclusion: `ws.publish` reaches every subscriber but `ws`, in the same order
  // as app.publish. Taking the socket out of the topic around an app.publish would not do: uWS
  // drops what a socket has not been sent yet on a topic it leaves in the same tick (measured on
  // v20.30: publish m0, unsubscribe, subscribe: m0 never arrives). `ws.publish` needs the socket to
  // be subscribed (a socket without subscriptions publishes nothing): the core checks that first.
  publishExcept(socket: SocketLike, topic: string, format: string, message: Uint8Array | string, isBinary: boolean): void {
    const ws = socket as WebSocket<unknown>;
    if (format === '') {
      ws.publish(topic, message, isBinary);
      return;
    }
    const shadow = this.shadows.get(format)?.get(topic);
    if (shadow !== undefined) ws.publish(shadow.name, message, isBinary);
  }

  private topicsOf(format: string): Map<string, Shadow> {
    let topics = this.shadows.get(format);
    if (topics === undefined) this.shadows.set(format, (topics = new Map()));
    return topics;
  }
}
