/**
 * Frame coalescing: publications to one topic that fall in the same window go out as one
 * WebSocket message holding several frames (the protocol allows it), so the transport sends each
 * subscriber one message instead of several. Each publication is still encoded once per wire
 * format; a batch joins those bytes once and hands them to native fan-out once per format.
 *
 * The core flushes a topic's batch before anything that must not overtake it or be overtaken by it
 * (a socket joining or leaving the topic's fan-out, a presence notice, a history replay), so
 * coalescing never reorders, duplicates or drops a publication for any subscriber.
 */
import type { Fanout } from '../transport/socket.js';
import type { WireFormat } from './wire-format.js';

/** A batch is sent at once when it reaches this many bytes, whatever its window: keeps messages reasonably sized. */
export const MAX_BATCH_BYTES = 64 * 1024;

interface Batch {
  /** Per wire format (same index as `wires`): its encoded messages, or undefined when it had no followers. */
  readonly messages: Array<Array<Uint8Array | string> | undefined>;
  bytes: number;
  /** When the batch is due (ms since the epoch); 0 = at the end of this event-loop turn. */
  readonly dueAt: number;
}

/** Counters for /metrics. */
export interface CoalescerCounters {
  /** Messages sent holding more than one frame. */
  batches: number;
  /** Frames sent inside such messages. */
  coalescedFrames: number;
}

export class Coalescer {
  readonly counters: CoalescerCounters = { batches: 0, coalescedFrames: 0 };
  // Topic → its open batch.
  private readonly batches = new Map<string, Batch>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private timerDueAt = Number.POSITIVE_INFINITY;
  private turnScheduled = false;

  constructor(
    private readonly fanout: Fanout,
    private readonly wires: readonly WireFormat[],
    private readonly now: () => number = Date.now,
  ) {}

  /** Adds a publication to its topic's batch, opening one due in `windowMs` (or at the end of the turn). */
  add(topic: string, seq: number, payload: Uint8Array, windowMs: number | 'turn'): void {
    let batch = this.batches.get(topic);
    if (batch === undefined) {
      batch = { messages: new Array(this.wires.length), bytes: 0, dueAt: windowMs === 'turn' ? 0 : this.now() + windowMs };
      this.batches.set(topic, batch);
      this.schedule(batch.dueAt);
    }
    const wires = this.wires;
    for (let i = 0; i < wires.length; i++) {
      const wire = wires[i]!;
      if (!this.fanout.has(topic, wire.name)) continue;
      const message = wire.message(topic, seq, payload);
      (batch.messages[i] ??= []).push(message);
      batch.bytes += message.length;
    }
    if (batch.bytes >= MAX_BATCH_BYTES) this.flush(topic);
  }

  /** Sends a topic's batch now, if it has one. */
  flush(topic: string): void {
    const batch = this.batches.get(topic);
    if (batch === undefined) return;
    this.batches.delete(topic);
    const wires = this.wires;
    for (let i = 0; i < wires.length; i++) {
      const messages = batch.messages[i];
      if (messages === undefined) continue;
      const wire = wires[i]!;
      if (wire.join === undefined) {
        // One message per WebSocket message for this format: the batch only kept the order.
        for (const message of messages) this.fanout.publish(topic, wire.name, message, wire.binary);
        continue;
      }
      if (messages.length === 1) {
        this.fanout.publish(topic, wire.name, messages[0]!, wire.binary);
        continue;
      }
      this.counters.batches++;
      this.counters.coalescedFrames += messages.length;
      this.fanout.publish(topic, wire.name, wire.join(messages), wire.binary);
    }
  }

  /** Whether a topic has publications waiting. */
  has(topic: string): boolean {
    return this.batches.has(topic);
  }

  /** Sends every batch now and stops the timers (server shutdown). */
  close(): void {
    for (const topic of [...this.batches.keys()]) this.flush(topic);
    clearTimeout(this.timer);
    this.timer = undefined;
    this.timerDueAt = Number.POSITIVE_INFINITY;
  }

  private schedule(dueAt: number): void {
    if (dueAt === 0) {
      if (this.turnScheduled) return;
      this.turnScheduled = true;
      setImmediate(() => {
        this.turnScheduled = false;
        this.flushDue(0);
      });
      return;
    }
    if (dueAt >= this.timerDueAt) return;
    clearTimeout(this.timer);
    this.timerDueAt = dueAt;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.timerDueAt = Number.POSITIVE_INFINITY;
      const next = this.flushDue(this.now());
      if (next !== Number.POSITIVE_INFINITY) this.schedule(next);
    }, Math.max(0, dueAt - this.now()));
  }

  /** Flushes the batches due by `now` (turn batches when `now` is 0); returns the next due time. */
  private flushDue(now: number): number {
    let next = Number.POSITIVE_INFINITY;
    for (const [topic, batch] of this.batches) {
      if (now === 0 ? batch.dueAt === 0 : batch.dueAt !== 0 && batch.dueAt <= now) this.flush(topic);
      else if (batch.dueAt !== 0 && batch.dueAt < next) next = batch.dueAt;
    }
    return next;
  }
}
