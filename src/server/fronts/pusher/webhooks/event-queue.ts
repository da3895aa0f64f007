/**
 * The events waiting for one webhook URL, pure: two lines, each bounded in events and in bytes
 * (as JSON), and batches taken from the first line before the second.
 *
 * - `member_added` / `member_removed` have a line of their own, taken first: they are what a
 *   receiver cannot work out again later (who is in a room), so no amount of other events can
 *   push them out. A flood of subscription counts once made a legitimate `member_added` drop.
 * - A `subscription_count` for a channel whose previous count is still waiting replaces that
 *   count rather than queueing behind it: the receiver wants the count, and one not yet sent is
 *   stale. Sockets subscribing to a thousand channels each are then at most one waiting count per
 *   channel, not one per socket and channel.
 *
 * Member events may overtake the others (a `member_added` can arrive before its channel's
 * `channel_occupied`); each line keeps its own order.
 */
import type { WebhookEvent } from './events.js';

/** The bounds of each line. */
export interface EventQueueLimits {
  readonly maxEvents: number;
  readonly maxBytes: number;
}

interface Entry {
  event: WebhookEvent;
  bytes: number;
}

class Line {
  readonly entries: Entry[] = [];
  bytes = 0;
}

export class EventQueue {
  private readonly members = new Line();
  private readonly others = new Line();
  // Waiting subscription counts by channel (entries of `others`), to be replaced in place.
  private readonly counts = new Map<string, Entry>();

  constructor(private readonly limits: EventQueueLimits) {}

  /** Events waiting, both lines. */
  get length(): number {
    return this.members.entries.length + this.others.entries.length;
  }

  /** Bytes waiting, both lines. */
  get bytes(): number {
    return this.members.bytes + this.others.bytes;
  }

  /** Queues an event; false when its line is full (the caller drops and counts it). */
  push(event: WebhookEvent): boolean {
    const bytes = Buffer.byteLength(JSON.stringify(event));
    if (event.name === 'subscription_count') {
      const waiting = this.counts.get(event.channel);
      if (waiting !== undefined) {
        this.others.bytes += bytes - waiting.bytes;
        waiting.event = event;
        waiting.bytes = bytes;
        return true;
      }
    }
    const line = event.name === 'member_added' || event.name === 'member_removed' ? this.members : this.others;
    if (line.entries.length >= this.limits.maxEvents || line.bytes + bytes > this.limits.maxBytes) return false;
    const entry = { event, bytes };
    line.entries.push(entry);
    line.bytes += bytes;
    if (event.name === 'subscription_count') this.counts.set(event.channel, entry);
    return true;
  }

  /** Takes up to `max` events: member events first, then the others, each in order. */
  take(max: number): WebhookEvent[] {
    const batch: WebhookEvent[] = [];
    for (const line of [this.members, this.others]) {
      const taken = line.entries.splice(0, max - batch.length);
      for (const entry of taken) {
        line.bytes -= entry.bytes;
        if (entry.event.name === 'subscription_count' && this.counts.get(entry.event.channel) === entry) this.counts.delete(entry.event.channel);
        batch.push(entry.event);
      }
    }
    return batch;
  }

  /** Empties the queue; returns how many events it held. */
  clear(): number {
    const held = this.length;
    for (const line of [this.members, this.others]) {
      line.entries.length = 0;
      line.bytes = 0;
    }
    this.counts.clear();
    return held;
  }
}
