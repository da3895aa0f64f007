/**
 * The two Redis connections of a node and their failure policy. Commands fail fast instead of
 * queueing while Redis is away (no offline queue, one attempt, a per-command timeout), and a
 * breaker stops sending after a timeout until a probe answers: a Redis that stopped answering
 * (SIGSTOP, a network partition) must cost a 503 within the timeout, never an unbounded queue.
 * ioredis is imported lazily so a server without Redis never loads it.
 */
import type { Redis, RedisOptions } from 'ioredis';
import { ErrorCode } from '../../../protocol/codes.js';
import { LimitError } from '../../../protocol/errors.js';
import type { RedisEngineOptions } from './options.js';
import { PRESENCE_INFO, PRESENCE_JOIN, PRESENCE_LEAVE, PRESENCE_REFRESH, PUBLISH, READ } from './scripts.js';

/** The scripts as ioredis commands (Buffer variants, since payloads are bytes). */
export interface ScriptCommands {
  sbPublishBuffer(...args: Array<string | number | Uint8Array>): Promise<[number, number]>;
  sbReadBuffer(...args: Array<string | number>): Promise<Array<Buffer | number>>;
  sbPresenceJoin(...args: Array<string | number>): Promise<number>;
  sbPresenceLeave(...args: Array<string | number>): Promise<number>;
  sbPresenceRefresh(...args: Array<string | number>): Promise<number>;
  sbPresenceInfoBuffer(...args: Array<string | number>): Promise<Array<Buffer | number>>;
}

export type CommandClient = Redis & ScriptCommands;

// Reconnect quickly at first, then every second: a node must notice Redis is back soon.
const retryStrategy = (attempt: number) => Math.min(50 * attempt, 1000);
// While the breaker is open, one probe at a time at this pace.
const PROBE_EVERY_MS = 250;

/** Turns a Redis failure into what the edges answer: ENGINE_UNAVAILABLE (503, retry), keeping the cause. */
export function unavailable(cause: unknown): LimitError {
  return new LimitError(ErrorCode.EngineUnavailable, 'the engine (Redis) is unavailable; nothing was published', { cause, retryAfterSeconds: 1 });
}

/** Script errors are bugs, not outages. */
function isReplyError(err: unknown): boolean {
  return err instanceof Error && err.name === 'ReplyError';
}

export class RedisConnections {
  readonly commands: CommandClient;
  readonly subscriber: Redis;
  private open = false;
  private probing: ReturnType<typeof setInterval> | undefined;
  private probeInFlight = false;

  private constructor(commands: CommandClient, subscriber: Redis) {
    this.commands = commands;
    this.subscriber = subscriber;
  }

  /** Connects both (the first connect is awaited so a wrong URL fails `listen()` loudly). */
  static async connect(options: RedisEngineOptions): Promise<RedisConnections> {
    const { Redis } = await import('ioredis');
    const base: RedisOptions = {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: options.commandTimeoutMs,
      connectTimeout: options.commandTimeoutMs,
      retryStrategy,
      lazyConnect: true,
    };
    const commands = new Redis(options.url, { ...base, connectionName: 'switchboard' }) as CommandClient;
    // The subscriber resubscribes itself (subscriptions.ts) so it can fill what it missed meanwhile.
    const subscriber = new Redis(options.url, { ...base, connectionName: 'switchboard-sub', autoResubscribe: false });
    for (const client of [commands, subscriber]) client.on('error', () => {}); // reconnects; readiness reports it
    commands.defineCommand('sbPublish', { lua: PUBLISH });
    commands.defineCommand('sbRead', { lua: READ, numberOfKeys: 2 });
    commands.defineCommand('sbPresenceJoin', { lua: PRESENCE_JOIN, numberOfKeys: 3 });
    commands.defineCommand('sbPresenceLeave', { lua: PRESENCE_LEAVE, numberOfKeys: 3 });
    commands.defineCommand('sbPresenceRefresh', { lua: PRESENCE_REFRESH, numberOfKeys: 3 });
    commands.defineCommand('sbPresenceInfo', { lua: PRESENCE_INFO, numberOfKeys: 3 });
    await Promise.all([commands.connect(), subscriber.connect()]);
    const connections = new RedisConnections(commands, subscriber);
    connections.open = true;
    return connections;
  }

  /** Whether commands can be sent now: both connections up and no unanswered timeout. */
  get ready(): boolean {
    return this.open && this.probing === undefined && this.commands.status === 'ready' && this.subscriber.status === 'ready';
  }

  /**
   * Runs a command under the failure policy: refused at once while the breaker is open or the
   * connection is down; a timeout opens the breaker. Failures become ENGINE_UNAVAILABLE.
   */
  async run<T>(command: (client: CommandClient) => Promise<T>): Promise<T> {
    if (this.probing !== undefined || this.commands.status !== 'ready') throw unavailable(new Error(`redis connection ${this.commands.status}`));
    try {
      return await command(this.commands);
    } catch (err) {
      if (isReplyError(err)) throw err;
      if (err instanceof Error && /timed out/i.test(err.message)) this.openBreaker();
      throw unavailable(err);
    }
  }

  async close(): Promise<void> {
    this.open = false;
    clearInterval(this.probing);
    this.probing = undefined;
    this.commands.disconnect();
    this.subscriber.disconnect();
  }

  private openBreaker(): void {
    if (this.probing !== undefined || !this.open) return;
    this.probing = setInterval(() => {
      if (this.probeInFlight) return;
      this.probeInFlight = true;
      this.commands.ping().then(
        () => {
          this.probeInFlight = false;
          clearInterval(this.probing);
          this.probing = undefined;
        },
        () => (this.probeInFlight = false),
      );
    }, PROBE_EVERY_MS);
    this.probing.unref();
  }
}

/**
 * The connections once the engine started, shared by its parts (history, presence, control), so
 * each can be built before `start()` and fails with ENGINE_UNAVAILABLE until then.
 */
export class RedisLink {
  connections: RedisConnections | undefined;

  run<T>(command: (client: CommandClient) => Promise<T>): Promise<T> {
    const connections = this.connections;
    if (connections === undefined) return Promise.reject(unavailable(new Error('the Redis engine is not started')));
    return connections.run(command);
  }
}
