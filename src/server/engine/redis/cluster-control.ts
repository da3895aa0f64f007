/**
 * User commands on every node (HTTP /api/subscribe, /api/unsubscribe, /api/disconnect): a node
 * publishes the command on one small cluster control channel, every node runs it on its own
 * connections and replies with how many it reached on the sender's reply channel. One channel for
 * all nodes is fine here: these are rare admin commands, not publications (which are strictly
 * per topic), and a user's connections can be on any node, so per-user channels would need every
 * node to subscribe per connected user for a command that almost never comes.
 *
 * PUBLISH answers how many nodes received the command, so the sender knows how many replies to
 * wait for; a node that dies meanwhile is waited for at most `replyTimeoutMs`.
 */
import { randomBytes } from 'node:crypto';
import type { ClusterControl, UserCommand } from '../engine.js';
import type { RedisLink } from './connections.js';
import type { KeySpace } from './keys.js';

interface Pending {
  expected: number | undefined;
  replies: number;
  connections: number;
  resolve: (connections: number) => void;
}

interface ControlMessage {
  id: string;
  from: string;
  command: UserCommand;
}

export class RedisClusterControl implements ClusterControl {
  private local: ((command: UserCommand) => number) | undefined;
  private readonly pending = new Map<string, Pending>();
  private readonly replyChannel: string;

  constructor(
    private readonly link: RedisLink,
    private readonly keys: KeySpace,
    private readonly nodeId: string,
    private readonly replyTimeoutMs: number,
  ) {
    this.replyChannel = keys.replies(nodeId);
  }

  /** The node-level channels this needs subscribed. */
  get channels(): string[] {
    return [this.keys.control, this.replyChannel];
  }

  onCommand(run: (command: UserCommand) => number): void {
    this.local = run;
  }

  async run(command: UserCommand): Promise<number> {
    const id = randomBytes(8).toString('base64url');
    const message: ControlMessage = { id, from: this.nodeId, command };
    const answered = new Promise<number>((resolve) => this.pending.set(id, { expected: undefined, replies: 0, connections: 0, resolve }));
    let nodes: number;
    try {
      nodes = await this.link.run((client) => client.publish(this.keys.control, JSON.stringify(message)));
    } catch (err) {
      this.pending.delete(id);
      throw err;
    }
    const pending = this.pending.get(id)!;
    pending.expected = nodes;
    this.settle(id, pending);
    const timer = setTimeout(() => this.finish(id), this.replyTimeoutMs);
    try {
      return await answered;
    } finally {
      clearTimeout(timer);
    }
  }

  /** A message on a node-level channel. */
  handle(channel: string, message: Buffer): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(message.toString('utf8'));
    } catch {
      return;
    }
    if (channel === this.keys.control) {
      const { id, from, command } = parsed as ControlMessage;
      const connections = this.local?.(command) ?? 0;
      this.link.run((client) => client.publish(this.keys.replies(from), JSON.stringify({ id, connections }))).catch(() => {});
    } else if (channel === this.replyChannel) {
      const { id, connections } = parsed as { id: string; connections: number };
      const pending = this.pending.get(id);
      if (pending === undefined) return;
      pending.replies++;
      pending.connections += connections;
      this.settle(id, pending);
    }
  }

  private settle(id: string, pending: Pending): void {
    if (pending.expected !== undefined && pending.replies >= pending.expected) this.finish(id);
  }

  private finish(id: string): void {
    const pending = this.pending.get(id);
    if (pending === undefined) return;
    this.pending.delete(id);
    pending.resolve(pending.connections);
  }
}
