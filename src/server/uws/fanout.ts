/**
 * Native topic fan-out on uWS: `app.publish` copies one message to every subscribed socket in C++.
 * Each wire format is a separate uWS topic namespace: the format named '' uses the bare topic name
 * (msgpack, the common case, pays for nothing extra), every other format a shadow name
 * `"<format> <topic>"`. Valid topic names never contain a space, so shadows cannot collide with
 * real topics. Shadow formats are counted here, so `has()` never builds a name for a format nobody
 * follows.
 */
import type { Fanout, SocketLike } from '../transport.js';
import type { TemplatedApp, WebSocket } from './binding.js';

export class UwsFanout implements Fanout {
  // Followers per topic for each shadow format; absent means none.
  private readonly shadowCounts = new Map<string, Map<string, number>>();

  constructor(private readonly app: TemplatedApp) {}

  subscribe(socket: SocketLike, topic: string, format: string): void {
    const ws = socket as WebSocket<unknown>;
    if (format === '') {
      ws.subscribe(topic);
      return;
    }
    ws.subscribe(`${format} ${topic}`);
    const counts = this.countsOf(format);
    counts.set(topic, (counts.get(topic) ?? 0) + 1);
  }

  unsubscribe(socket: SocketLike | undefined, topic: string, format: string): void {
    const ws = socket as WebSocket<unknown> | undefined;
    if (format === '') {
      ws?.unsubscribe(topic);
      return;
    }
    ws?.unsubscribe(`${format} ${topic}`);
    const counts = this.countsOf(format);
    const left = (counts.get(topic) ?? 1) - 1;
    if (left > 0) counts.set(topic, left);
    else counts.delete(topic);
  }

  has(topic: string, format: string): boolean {
    if (format === '') return this.app.numSubscribers(topic) > 0;
    return this.shadowCounts.get(format)?.has(topic) === true;
  }

  publish(topic: string, format: string, message: Uint8Array | string, isBinary: boolean): void {
    this.app.publish(format === '' ? topic : `${format} ${topic}`, message, isBinary);
  }

  private countsOf(format: string): Map<string, number> {
    let counts = this.shadowCounts.get(format);
    if (counts === undefined) this.shadowCounts.set(format, (counts = new Map()));
    return counts;
  }
}
