/**
 * The Broker: where publications are sequenced and from where they are delivered to every server
 * that has subscribers. The packed payload (the publication's data, msgpack-encoded once) is the
 * unit that crosses it, so a Redis broker can carry the same bytes between processes.
 */

/** Receives every publication, in sequence order per topic. */
export type DeliverFn = (topic: string, seq: number, payload: Uint8Array) => void;

export interface Broker {
  /** Called once by the server before it listens; `deliver` fans a publication out locally. */
  start(deliver: DeliverFn): void | Promise<void>;
  /**
   * Sequences a publication and arranges for `deliver` to be called with it (on every server).
   * Returns the topic sequence number assigned (1 for a topic's first message).
   */
  publish(topic: string, payload: Uint8Array): number | Promise<number>;
  /** The last sequence number assigned on a topic, 0 when none. */
  lastSeq(topic: string): number | Promise<number>;
  /** Stops delivering. */
  close(): void | Promise<void>;
}

/**
 * Single-process broker: sequence numbers in a Map, delivery synchronous in the publisher's call
 * stack, so the whole publish path stays in one tick.
 */
export class MemoryBroker implements Broker {
  private readonly seqs = new Map<string, number>();
  private deliver: DeliverFn | undefined;

  start(deliver: DeliverFn): void {
    this.deliver = deliver;
  }

  publish(topic: string, payload: Uint8Array): number {
    const seq = (this.seqs.get(topic) ?? 0) + 1;
    this.seqs.set(topic, seq);
    this.deliver?.(topic, seq, payload);
    return seq;
  }

  lastSeq(topic: string): number {
    return this.seqs.get(topic) ?? 0;
  }

  close(): void {
    this.deliver = undefined;
  }
}
