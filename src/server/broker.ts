/**
 * The Broker: where publications are sequenced, retained for recovery, and delivered from to
 * every server that has subscribers. The packed payload (the publication's data, msgpack-encoded
 * once) is the unit that crosses it, so a Redis broker can carry the same bytes between processes.
 */
import { MemoryHistoryStore, type HistoryStore, type MemoryHistoryOptions } from './history.js';
import type { HistoryLimits } from './namespaces.js';

/** Receives every publication, in sequence order per topic. */
export type DeliverFn = (topic: string, seq: number, payload: Uint8Array) => void;

export interface Broker {
  /**
   * Called once by the server before it listens. `deliver` fans a publication out locally;
   * `isActive` tells whether this server has subscribers on a topic (memory pressure must not
   * forget such a topic's sequence).
   */
  start(deliver: DeliverFn, isActive: (topic: string) => boolean): void | Promise<void>;
  /**
   * Sequences a publication, retains it within `retain` (false: not at all), and arranges for
   * `deliver` to be called with it on every server. Returns the sequence number assigned (1 for
   * the first message of an epoch).
   */
  publish(topic: string, payload: Uint8Array, retain: HistoryLimits | false): number | Promise<number>;
  /** Topic epochs, sequence numbers and retained publications, for recovery and the history API. */
  readonly history: HistoryStore;
  /** Stops delivering. */
  close(): void | Promise<void>;
}

/** A history store that sequences synchronously (its reads may still be asynchronous). */
export type SyncAppendHistoryStore = Omit<HistoryStore, 'append'> & {
  append(topic: string, payload: Uint8Array, retain: HistoryLimits | false): number;
};

/**
 * Single-process broker: sequencing, retention and delivery all happen synchronously in the
 * publisher's call stack, so the whole publish path stays in one tick. Over the default
 * MemoryHistoryStore a subscriber's replay can never interleave with a live publication.
 */
export class MemoryBroker<Store extends SyncAppendHistoryStore = MemoryHistoryStore> implements Broker {
  readonly history: Store;
  private deliver: DeliverFn | undefined;

  /** History options for a new MemoryHistoryStore, or `{ store }` to sequence and retain elsewhere. */
  constructor(options: Partial<MemoryHistoryOptions> | { store: Store } = {}) {
    this.history = 'store' in options ? options.store : (new MemoryHistoryStore(options) as unknown as Store);
  }

  start(deliver: DeliverFn, isActive: (topic: string) => boolean = () => false): void {
    this.deliver = deliver;
    this.history.setActiveCheck(isActive);
  }

  publish(topic: string, payload: Uint8Array, retain: HistoryLimits | false): number {
    const seq = this.history.append(topic, payload, retain);
    this.deliver?.(topic, seq, payload);
    return seq;
  }

  close(): void {
    this.deliver = undefined;
    this.history.close();
  }
}
