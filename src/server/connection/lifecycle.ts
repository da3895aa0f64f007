/**
 * What happens to every connection at open and close, whatever its protocol front: its token
 * expiry timer, its place in the registry, its subscriptions, and the application's onOpen and
 * onClose hooks.
 */
import type { Connection } from './connection.js';
import type { Hooks } from './hooks.js';
import type { ConnectionRegistry } from './registry.js';
import type { TopicCore } from '../core/topic-core.js';

/** Runs an application hook for a connection, reporting what it throws or rejects with. */
export type RunHook = (connection: Connection, run: () => void | Promise<void>) => void;

export class Lifecycle {
  constructor(
    private readonly registry: ConnectionRegistry<Connection>,
    private readonly core: TopicCore,
    private readonly hooks: Pick<Hooks, 'onOpen' | 'onClose'>,
    private readonly runHook: RunHook,
  ) {}

  /** The socket is open: arm the token expiry and register the connection. */
  opened(connection: Connection): void {
    connection.guard?.armExpiry(connection, connection.guard.expiresAt);
    this.registry.add(connection);
  }

  /** The front has greeted the connection: the application may use it now. */
  ready(connection: Connection): void {
    const onOpen = this.hooks.onOpen;
    if (onOpen) this.runHook(connection, () => onOpen(connection));
  }

  /** A refused connection's socket closed: only its admission slot is left to free. */
  refusedClosed(connection: Connection): void {
    connection.closed = true;
    connection.socket = undefined;
    connection.guard?.dispose();
  }

  /** The socket closed: free its limits and subscriptions, unregister it, tell the application. */
  closed(connection: Connection, code: number, reason: string): void {
    connection.closed = true;
    connection.socket = undefined;
    connection.guard?.dispose();
    this.core.closed(connection);
    this.registry.delete(connection);
    const onClose = this.hooks.onClose;
    if (onClose) this.runHook(connection, () => onClose(connection, code, reason));
  }
}
