/**
 * Open connections by user id, so a backend can address "user 42" (subscribe, unsubscribe,
 * disconnect) without knowing connection ids. Anonymous connections are not indexed.
 */

/** What the index needs to know about a connection. */
export interface IndexedConnection {
  readonly id: string;
  readonly userId: string | null;
}

export class UserIndex<C extends IndexedConnection> {
  private readonly byUser = new Map<string, Set<C>>();

  add(connection: C): void {
    if (connection.userId === null) return;
    let set = this.byUser.get(connection.userId);
    if (set === undefined) {
      set = new Set();
      this.byUser.set(connection.userId, set);
    }
    set.add(connection);
  }

  delete(connection: C): void {
    if (connection.userId === null) return;
    const set = this.byUser.get(connection.userId);
    if (set === undefined) return;
    set.delete(connection);
    if (set.size === 0) this.byUser.delete(connection.userId);
  }

  /** A snapshot of the user's open connections (safe to close them while iterating). */
  connectionsOf(userId: string): C[] {
    const set = this.byUser.get(userId);
    return set === undefined ? [] : [...set];
  }

  /** Number of users with at least one open connection. */
  get size(): number {
    return this.byUser.size;
  }
}
