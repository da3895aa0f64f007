/**
 * Pusher's subscription counting (`subscriptionCount: true` on an app): subscribers of a
 * non-presence channel get `pusher_internal:subscription_count` `{ subscription_count }` when the
 * channel's count changes (pusher-js emits it as `pusher:subscription_count`), and the webhook
 * event `subscription_count` goes out with it. Throttled as Pusher throttles it: a channel of up
 * to 100 subscribers hears of every change at once; a larger one at most once per 5 s, where we
 * also send the count the window ended with (so the last change is never lost).
 *
 * The count is this server's connections on the channel, every protocol together (the topic
 * core's count). With several processes (workers, a Redis engine) each process counts and sends
 * its own (docs/pusher.md, "Several processes").
 */
import type { Fanout } from '../../transport/socket.js';
import { ChannelKind, channelKind } from './channels.js';
import { encodeEvent } from './events.js';
import { PUSHER_WIRE_NAME } from './wire.js';

/** Up to this many subscribers, every change is sent at once (Pusher's small-channel rule). */
export const SMALL_CHANNEL_SUBSCRIBERS = 100;
/** Larger channels get at most one count per this window. @default 5000 (ms, Pusher's broadcast lock) */
export const LARGE_CHANNEL_INTERVAL_MS = 5000;

/** The subscription_count event for one channel. */
export function subscriptionCountEvent(channel: string, count: number): string {
  return encodeEvent('pusher_internal:subscription_count', { subscription_count: count }, channel);
}

export interface SubscriptionCountsDeps {
  fanout: Fanout;
  /** The channel's count now. */
  count: (channel: string) => number;
  /** Also tell the webhooks (undefined: none wants `subscription_count`). */
  webhook: ((channel: string, count: number) => void) | undefined;
  now?: () => number;
}

export class SubscriptionCounts {
  // Per channel in a large-channel window: when the last count went out, and the trailing send.
  private readonly windows = new Map<string, { sentAt: number; timer: ReturnType<typeof setTimeout> | undefined }>();
  private readonly now: () => number;

  constructor(private readonly deps: SubscriptionCountsDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** Whether a channel gets counts (presence channels have member events instead, as on Pusher). */
  static counts(channel: string): boolean {
    return channelKind(channel) !== ChannelKind.Presence;
  }

  /** The channel's count changed (called by the core's watcher; never throws, never waits). */
  changed(channel: string, count: number): void {
    if (!SubscriptionCounts.counts(channel)) return;
    const window = this.windows.get(channel);
    if (window === undefined) {
      if (count > SMALL_CHANNEL_SUBSCRIBERS) this.windows.set(channel, { sentAt: this.now(), timer: undefined });
      return this.send(channel, count);
    }
    if (window.timer !== undefined) return; // the trailing send reads the count when it fires
    const wait = window.sentAt + LARGE_CHANNEL_INTERVAL_MS - this.now();
    if (wait <= 0) {
      if (count <= SMALL_CHANNEL_SUBSCRIBERS) this.windows.delete(channel);
      else window.sentAt = this.now();
      return this.send(channel, count);
    }
    window.timer = setTimeout(() => this.trailing(channel), wait);
    window.timer.unref();
  }

  /** Stops the trailing sends (server shutdown). */
  close(): void {
    for (const window of this.windows.values()) clearTimeout(window.timer);
    this.windows.clear();
  }

  private trailing(channel: string): void {
    const count = this.deps.count(channel);
    if (count <= SMALL_CHANNEL_SUBSCRIBERS) this.windows.delete(channel);
    else this.windows.set(channel, { sentAt: this.now(), timer: undefined });
    this.send(channel, count);
  }

  private send(channel: string, count: number): void {
    const { fanout } = this.deps;
    if (fanout.has(channel, PUSHER_WIRE_NAME)) fanout.publish(channel, PUSHER_WIRE_NAME, subscriptionCountEvent(channel, count), false);
    this.deps.webhook?.(channel, count);
  }
}
