/**
 * Server-side control, shared by the Server's library methods and the HTTP API: subscribe,
 * unsubscribe and disconnect a user's connections, presence lookups. Throws Switchboard errors;
 * the edges turn them into HTTP answers.
 */
import { CloseCode, ErrorCode } from '../../protocol/codes.js';
import { SwitchboardError } from '../../protocol/errors.js';
import type { PresenceInfo } from '../../protocol/frames.js';
import { assertTopic } from '../../protocol/topic.js';
import type { Connection } from './connection.js';
import type { ClusterControl, PresenceStore, UserCommand } from '../engine/engine.js';
import type { MaybePromise } from '../engine/history.js';
import type { ConnectionRegistry } from './registry.js';
import type { TopicCore } from '../core/topic-core.js';

/** How `disconnectUser` closes a user's connections. */
export interface DisconnectOptions {
  /** Close code; wins over `reconnect`. @default 4501 KICKED (or 4000 SERVER_CLOSED with `reconnect: true`) */
  code?: number;
  /** Close reason (cut to 123 UTF-8 bytes). @default 'disconnected by the server' */
  reason?: string;
  /** Let clients reconnect: close with 4000 SERVER_CLOSED instead of 4501 KICKED. @default false */
  reconnect?: boolean;
}

export class Control {
  constructor(
    private readonly core: TopicCore,
    private readonly registry: ConnectionRegistry<Connection>,
    private readonly presenceStore: PresenceStore,
    private readonly maxTopicBytes: number,
    /** Reaches the other nodes of a cluster (the HTTP API acts on a user everywhere); absent for one process. */
    private readonly cluster?: ClusterControl,
  ) {
    cluster?.onCommand((command) => this.runHere(command));
  }

  /**
   * Runs a user command on every node when the engine spans several (answering the connections it
   * reached, all nodes together), else here. Validates topics first (INVALID_TOPIC).
   */
  everywhere(command: UserCommand): MaybePromise<number> {
    if (command.op !== 'disconnect') this.checkTopics(command.topics);
    return this.cluster === undefined ? this.runHere(command) : this.cluster.run(command);
  }

  /** Runs a user command on this node's connections. */
  private runHere(command: UserCommand): number {
    switch (command.op) {
      case 'subscribe':
        return this.subscribeUser(command.userId, command.topics);
      case 'unsubscribe':
        return this.unsubscribeUser(command.userId, command.topics);
      case 'disconnect':
        return this.disconnectUser(command.userId, { code: command.code, reason: command.reason });
    }
  }

  /**
   * Subscribes every open connection of `userId` on this server to `topics` (server-initiated:
   * no namespace subscribe rule, no maxSubscriptions). Throws INVALID_TOPIC before changing
   * anything. Returns how many connections it applied to.
   */
  subscribeUser(userId: string, topics: readonly string[]): number {
    this.checkTopics(topics);
    const connections = this.registry.connectionsOf(userId);
    for (const connection of connections) {
      const started = this.core.subscribe(connection, topics);
      // Only an async history store can fail here, and the core has then already rolled the
      // subscription back and counted the failure (storeErrors): nothing is left to undo.
      if (started instanceof Promise) started.catch(() => undefined);
    }
    return connections.length;
  }

  /** Unsubscribes every open connection of `userId` from `topics`; returns how many connections it applied to. */
  unsubscribeUser(userId: string, topics: readonly string[]): number {
    this.checkTopics(topics);
    const connections = this.registry.connectionsOf(userId);
    for (const connection of connections) this.core.unsubscribe(connection, topics);
    return connections.length;
  }

  /** Closes every open connection of `userId` (default 4501 KICKED: clients do not reconnect); returns how many. */
  disconnectUser(userId: string, options: DisconnectOptions = {}): number {
    const { code, reason } = disconnectCommand(userId, options);
    const connections = this.registry.connectionsOf(userId);
    for (const connection of connections) connection.close(code, reason);
    return connections.length;
  }

  /**
   * Who is on a topic (on every node, with a shared presence store). Throws INVALID_TOPIC, or
   * UNSUPPORTED when the topic's namespace has presence off.
   */
  presence(topic: string): MaybePromise<PresenceInfo> {
    assertTopic(topic, this.maxTopicBytes);
    if (!this.core.namespaces.match(topic).presence) throw new SwitchboardError(ErrorCode.Unsupported, 'presence is not enabled for this topic');
    return this.presenceStore.info(topic);
  }

  private checkTopics(topics: readonly string[]): void {
    for (const topic of topics) assertTopic(topic, this.maxTopicBytes);
  }
}

/** The disconnect command for a user with the defaults applied (4501 KICKED, or 4000 with `reconnect`). */
export function disconnectCommand(userId: string, options: DisconnectOptions = {}): UserCommand & { op: 'disconnect' } {
  const code = options.code ?? (options.reconnect === true ? CloseCode.ServerClosed : CloseCode.Kicked);
  return { op: 'disconnect', userId, code, reason: options.reason ?? 'disconnected by the server' };
}
