/**
 * The registry of open connections: by connection id (the server's `clients` map) and by user id,
 * so a backend can address "user 42" (subscribe, unsubscribe, disconnect) without knowing
 * connection ids. Anonymous connections are not indexed by user.
 */

/** What the registry needs to know about a connection. */
export interface RegisteredConnection {
  readonly id: string;
  readonly userId: string | null;
}

export class ConnectionRegistry<C extends RegisteredConnection> {
  /** Open connections by id. */
  readonly byId = new Map<string, C>();
  /** Connections ever added (a counter for metrics). */
  opened = 0;
  private readonly byUser = new Map<string, Set<C>>();

  add(connection: C): void {
    this.byId.set(connection.id, connection);
    this.opened++;
    if (connection.userId === null) return;
    let set = this.byUser.get(connection.userId);
    if (set === undefined) {
      set = new Set();
      this.byUser.set(connection.userId, set);
    }
    set.add(connection);
  }

  delete(connection: C): void {
    this.byId.delete(connection.id);
    if (connection.userId === null) return;
    const set = this.byUser.get(connection.userId);
    if (set === undefined) return;
    set.delete(connection);
    if (set.size === 0) this.byUser.delete(connection.userId);
  }

  /** Open connections. */
  get size(): number {
    return this.byId.size;
  }

  /** A snapshot of the user's open connections (safe to close them while iterating). */
  connectionsOf(userId: string): C[] {
    const set = this.byUser.get(userId);
    return set === undefined ? [] : [...set];
  }

  /** Number of users with at least one open connection. */
  get users(): number {
    return this.byUser.size;
  }
}
