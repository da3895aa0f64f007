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
 *
 * PUBLISH alone is at most once: a node whose subscriber connection is down at that moment never
 * hears it. Every command is therefore also kept in a short log (control-log.ts) that each node
 * reads after its node channels are subscribed again, running what it missed there, once.
 */
import { randomBytes } from 'node:crypto';
import type { ClusterControl, UserCommand } from '../engine.js';
import { backoffMs } from './backoff.js';
import type { RedisLink } from './connections.js';
import { CONTROL_LOG_MAX, CONTROL_LOG_TTL_MS, CONTROL_SEND, RanCommands } from './control-log.js';
import type { KeySpace } from './keys.js';

// Retries of a failed log read after a reconnect: Redis may still be coming back.
const CATCH_UP_RETRY = { firstMs: 100, maxMs: 2000 };

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
  private readonly logKey: string;
  private readonly ran = new RanCommands();
  // The last log entry this node read (entries up to it were run live or by an earlier catch-up).
  private cursor = '0-0';
  private catchingUp: Promise<void> | undefined;
  private again = false;
  private retry: ReturnType<typeof setTimeout> | undefined;
  private closed = false;
  /** Log reads completed after a reconnect (for tests and metrics). */
  catchUps = 0;
  /** Commands run from the log because their message was missed (for tests and metrics). */
  replayed = 0;

  constructor(
    private readonly link: RedisLink,
    private readonly keys: KeySpace,
    private readonly nodeId: string,
    private readonly replyTimeoutMs: number,
  ) {
    this.replyChannel = keys.replies(nodeId);
    this.logKey = `${keys.control}:log`;
  }

  /**
   * Starts reading the log from its end (call once the node channels are subscribed): commands
   * sent before this node existed are not its business.
   */
  async start(): Promise<void> {
    const last = (await this.link.run((client) => client.xrevrange(this.logKey, '+', '-', 'COUNT', 1))) as Array<[string, string[]]>;
    if (last.length > 0) this.cursor = last[0]![0];
  }

  /**
   * The node channels were subscribed again after the subscriber connection was lost: runs the
   * logged commands this node missed meanwhile (retrying the read while Redis is not back).
   */
  catchUp(): void {
    if (this.closed) return;
    if (this.catchingUp !== undefined) {
      this.again = true;
      return;
    }
    this.catchingUp = this.readLog(1).finally(() => {
      this.catchingUp = undefined;
      if (this.again) {
        this.again = false;
        this.catchUp();
      }
    });
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.retry);
  }

  private async readLog(attempt: number): Promise<void> {
    let entries: Array<[string, string[]]>;
    try {
      entries = (await this.link.run((client) => client.xrange(this.logKey, `(${this.cursor}`, '+', 'COUNT', CONTROL_LOG_MAX * 2))) as Array<[string, string[]]>;
    } catch {
      if (this.closed) return;
      await new Promise<void>((resolve) => (this.retry = setTimeout(resolve, backoffMs(attempt, CATCH_UP_RETRY))));
      if (this.closed) return;
      return this.readLog(attempt + 1);
    }
    for (const [entry, fields] of entries) {
      this.cursor = entry;
      const message = parse(Buffer.from(fields[1] ?? '', 'utf8')) as ControlMessage | undefined;
      if (message === undefined || this.ran.get(message.id) !== undefined) continue;
      this.replayed++;
      this.ran.record(message.id, this.local?.(message.command) ?? 0);
    }
    this.catchUps++;
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
      const sent = (await this.link.run((client) => client.eval(CONTROL_SEND, 1, this.logKey, this.keys.control, JSON.stringify(message), CONTROL_LOG_MAX, CONTROL_LOG_TTL_MS))) as [string, number];
      nodes = sent[1];
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
    const parsed = parse(message);
    if (parsed === undefined) return;
    if (channel === this.keys.control) {
      const { id, from, command } = parsed as ControlMessage;
      // Already run from the log (this copy was in flight during a catch-up): answer, run nothing.
      let connections = this.ran.get(id);
      if (connections === undefined) {
        connections = this.local?.(command) ?? 0;
        this.ran.record(id, connections);
      }
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

function parse(message: Buffer): unknown {
  try {
    return JSON.parse(message.toString('utf8'));
  } catch {
    return undefined;
  }
}
