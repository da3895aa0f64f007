/**
 * Subscribe frames whose permission is still being decided (a subscription token being verified, a
 * backend hook being asked), and the topics an Unsubscribe left meanwhile. A client's frames take
 * effect in the order it sent them: without this, the Unsubscribe is answered at once, the late
 * permission subscribes anyway, and the connection keeps receiving a topic it has left.
 */
import type { Connection } from '../../connection/connection.js';

/** One Subscribe frame waiting for its permission. */
export interface PendingSubscribe {
  /** Topics of the frame that an Unsubscribe sent after it has left. */
  readonly left: ReadonlySet<string>;
  /** The permission was decided: stop collecting. */
  close(): void;
}

interface Entry {
  readonly topics: ReadonlySet<string>;
  readonly left: Set<string>;
}

export class PendingSubscribes {
  // Weak: a connection that closes with a check still out takes its entries with it.
  private readonly byConnection = new WeakMap<Connection, Set<Entry>>();

  /** Starts collecting for a frame about to wait for its permission. */
  open(connection: Connection, topics: readonly string[]): PendingSubscribe {
    const entry: Entry = { topics: new Set(topics), left: new Set() };
    let entries = this.byConnection.get(connection);
    if (entries === undefined) this.byConnection.set(connection, (entries = new Set()));
    entries.add(entry);
    return {
      left: entry.left,
      close: () => {
        entries.delete(entry);
        if (entries.size === 0) this.byConnection.delete(connection);
      },
    };
  }

  /** An Unsubscribe of `topics`: every waiting frame naming one of them will leave it again. */
  leave(connection: Connection, topics: readonly string[]): void {
    const entries = this.byConnection.get(connection);
    if (entries === undefined) return;
    for (const entry of entries) for (const topic of topics) if (entry.topics.has(topic)) entry.left.add(topic);
  }
}
