/**
 * The two Redis connections of a node and their failure policy. Commands fail fast instead of
 * queueing while Redis is away (no offline queue, one attempt, a per-command timeout), and what a
 * failure answers says whether the command could have run (command-errors.ts): refused before
 * sending → ENGINE_UNAVAILABLE, sent and unanswered → PUBLISH_OUTCOME_UNKNOWN for a publish.
 *
 * The breaker: one command timeout is not an outage (a slow fill can take that long); it sends a
 * PING at once, and only when that misses its deadline too is the connection dropped
 * (liveness.ts). Until the reconnected connection's handshake is answered, nothing is sent and
 * publishes answer 503 at once, so a Redis that stopped answering (SIGSTOP, a partition) costs
 * bounded time and memory, never an unbounded queue. Both connections are also PINGed
 * periodically, so a silently black-holed socket is noticed and replaced.
 *
 * Through Redis Sentinel, both connections ask the sentinels for the master on every (re)connect,
 * check it still says `role:master` (ioredis's ready check; a replica is never written), and drop
 * themselves when a sentinel announces a failover (`+switch-master`): a demoted master keeps
 * accepting writes for seconds, and those would be lost. With `waitReplicas`, a publish is
 * acknowledged only once replicas confirmed it (replica-wait.ts).
 * ioredis is imported lazily so a server without Redis never loads it.
 */
import type { Redis, RedisOptions } from 'ioredis';
import { backoffMs } from './backoff.js';
import { commandFailure, timedOut, unavailable, type CommandEffect } from './command-errors.js';
import { IdentityWatch, type ServerIdentity } from './identity.js';
import { Liveness } from './liveness.js';
import { describeTarget, redisTarget, type RedisEngineOptions } from './options.js';
import { ReplicaWait } from './replica-wait.js';
import { PRESENCE_INFO, PRESENCE_JOIN, PRESENCE_LEAVE, PRESENCE_REFRESH, PUBLISH, READ } from './scripts.js';

export { unavailable } from './command-errors.js';

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

// Reconnect quickly at first, then about every second: a node must notice Redis is back soon,
// but the nodes that lost it together must not all come back in the same millisecond.
const RECONNECT = { firstMs: 50, maxMs: 1000 };
const retryStrategy = (attempt: number) => backoffMs(attempt, RECONNECT);
// TCP keepalive after this much silence: the kernel then notices a peer that vanished for good.
const KEEPALIVE_MS = 10_000;

export class RedisConnections {
  readonly commands: CommandClient;
  readonly subscriber: Redis;
  /** The server process behind `commands` (undefined from a disconnect until it is read again). */
  readonly identity: IdentityWatch;
  private open = false;
  private readonly commandsLiveness: Liveness;
  private readonly subscriberLiveness: Liveness;
  private readonly replicaWait: ReplicaWait | undefined;

  private constructor(commands: CommandClient, subscriber: Redis, options: RedisEngineOptions, identity: IdentityWatch) {
    this.commands = commands;
    this.subscriber = subscriber;
    this.identity = identity;
    this.commandsLiveness = new Liveness(commands, { intervalMs: options.pingIntervalMs, idleOnly: true });
    this.subscriberLiveness = new Liveness(subscriber, { intervalMs: options.pingIntervalMs, idleOnly: false });
    for (const client of [commands, subscriber]) this.restartWhenEnded(client);
    if (options.waitReplicas > 0) {
      this.replicaWait = new ReplicaWait(options.waitReplicas, options.waitTimeoutMs, () => this.sendWait(options.waitReplicas, options.waitTimeoutMs));
    }
  }

  /** Connects both (the first connect is awaited so a wrong URL fails `listen()` loudly). */
  static async connect(options: RedisEngineOptions): Promise<RedisConnections> {
    const { Redis } = await import('ioredis');
    const base: RedisOptions = {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      // A command written before a disconnect may have run: sending it again could publish twice.
      autoResendUnfulfilledCommands: false,
      commandTimeout: options.commandTimeoutMs,
      connectTimeout: options.commandTimeoutMs,
      keepAlive: KEEPALIVE_MS,
      retryStrategy,
      lazyConnect: true,
    };
    const target = redisTarget(options);
    let connected = false;
    const located: RedisOptions =
      target.kind === 'direct'
        ? {}
        : {
            sentinels: target.sentinels,
            name: target.name,
            role: 'master',
            username: target.username,
            password: target.password,
            db: target.db,
            // Until the first connect, unreachable sentinels fail `listen()` instead of retrying forever.
            sentinelRetryStrategy: (attempt) => (connected ? retryStrategy(attempt) : null),
            sentinelCommandTimeout: options.commandTimeoutMs,
            failoverDetector: true,
            // A master demoted behind our back refuses writes: reconnect to ask the sentinels again
            // (the refused command wrote nothing, so it is not resent either way).
            reconnectOnError: (err) => (err.message.startsWith('READONLY') ? 1 : false),
          };
    const create = (extra: RedisOptions) => (target.kind === 'direct' ? new Redis(target.url, { ...base, ...extra }) : new Redis({ ...base, ...located, ...extra }));
    const commands = create({ connectionName: 'switchboard' }) as CommandClient;
    // The subscriber resubscribes itself (subscriptions.ts) so it can fill what it missed meanwhile.
    const subscriber = create({ connectionName: 'switchboard-sub', autoResubscribe: false });
    // Reconnects on its own and readiness reports it; the first connect keeps the cause for its refusal.
    let lastError: Error | undefined;
    for (const client of [commands, subscriber]) client.on('error', (err: Error) => void (lastError ??= err));
    commands.defineCommand('sbPublish', { lua: PUBLISH });
    commands.defineCommand('sbRead', { lua: READ, numberOfKeys: 2 });
    commands.defineCommand('sbPresenceJoin', { lua: PRESENCE_JOIN, numberOfKeys: 3 });
    commands.defineCommand('sbPresenceLeave', { lua: PRESENCE_LEAVE, numberOfKeys: 3 });
    commands.defineCommand('sbPresenceRefresh', { lua: PRESENCE_REFRESH, numberOfKeys: 3 });
    commands.defineCommand('sbPresenceInfo', { lua: PRESENCE_INFO, numberOfKeys: 3 });
    const identity = new IdentityWatch(commands);
    try {
      await Promise.all([commands.connect(), subscriber.connect()]);
      // Without the server's identity a restart could not be told from a blip: refuse to start.
      await identity.first();
    } catch (err) {
      commands.disconnect();
      subscriber.disconnect();
      // ioredis rejects with "Connection is closed."; the operator needs which Redis and why.
      const cause = lastError ?? (err as Error);
      throw new Error(`cannot reach Redis at ${describeTarget(target)}: ${cause.message}`, { cause });
    }
    connected = true;
    const connections = new RedisConnections(commands, subscriber, options, identity);
    connections.open = true;
    return connections;
  }

  /** Whether commands can be sent now and the live feeds are flowing: both connections up and answering. */
  get ready(): boolean {
    return this.open && this.commandsLiveness.alive && this.subscriberLiveness.alive && this.identity.current !== undefined;
  }

  /** Connections dropped because a PING missed its deadline (for tests and metrics). */
  get livenessDrops(): { commands: number; subscriber: number } {
    return { commands: this.commandsLiveness.drops, subscriber: this.subscriberLiveness.drops };
  }

  /**
   * Runs a command under the failure policy: refused at once (ENGINE_UNAVAILABLE, nothing sent)
   * while the command connection is down or dropped; a timeout sends a PING that decides whether
   * to drop it. A failure after sending is ENGINE_UNAVAILABLE for a read and
   * PUBLISH_OUTCOME_UNKNOWN for a publish (`effect`), since the publish may still run. With
   * `waitReplicas`, a publish is PUBLISH_OUTCOME_UNKNOWN too when too few replicas confirmed it.
   */
  async run<T>(command: (client: CommandClient) => Promise<T>, effect: CommandEffect = 'read'): Promise<T> {
    if (!this.open || !this.commandsLiveness.alive) throw unavailable(new Error(`redis connection ${this.commands.status}`));
    let result: T;
    try {
      result = await command(this.commands);
      this.commandsLiveness.answered();
    } catch (err) {
      if (timedOut(err)) this.commandsLiveness.probe();
      throw commandFailure(err, effect);
    }
    // Made on the master; acknowledged only once enough replicas have it (or 504).
    if (effect === 'publish' && this.replicaWait !== undefined) await this.replicaWait.confirm();
    return result;
  }

  /**
   * ioredis gives a connection up for good ('end') when its connector fails instead of retrying:
   * through Sentinel, a failover announced while it was asking the sentinels for the master aborts
   * that reconnect ("Connection is closed."). Seen after a `kill -9` of the master: both connections
   * ended and the node answered 503 forever. While the engine is open, an ended connection is
   * connected again, with the same backoff as any reconnect.
   */
  private restartWhenEnded(client: Redis): void {
    let attempt = 0;
    client.on('ready', () => {
      attempt = 0;
    });
    client.on('end', () => {
      if (!this.open) return;
      const timer = setTimeout(() => {
        if (this.open && client.status === 'end') client.connect().catch(() => {}); // an error ends it again, and we come back here
      }, retryStrategy(++attempt));
      timer.unref();
    });
  }

  private async sendWait(replicas: number, timeoutMs: number): Promise<number> {
    try {
      const confirmed = await this.commands.wait(replicas, timeoutMs);
      this.commandsLiveness.answered();
      return confirmed;
    } catch (err) {
      if (timedOut(err)) this.commandsLiveness.probe();
      throw err;
    }
  }

  async close(): Promise<void> {
    this.open = false;
    this.identity.close();
    this.commandsLiveness.close();
    this.subscriberLiveness.close();
    this.commands.disconnect();
    this.subscriber.disconnect();
  }
}

/**
 * The connections once the engine started, shared by its parts (history, presence, control), so
 * each can be built before `start()` and fails with ENGINE_UNAVAILABLE until then.
 */
export class RedisLink {
  connections: RedisConnections | undefined;

  /**
   * Runs a command with the identity of the server it goes to (scripts stamp topics with it).
   * Until that identity is known after a reconnect, refused as not sent.
   */
  run<T>(command: (client: CommandClient, server: ServerIdentity) => Promise<T>, effect: CommandEffect = 'read'): Promise<T> {
    const connections = this.connections;
    if (connections === undefined) return Promise.reject(unavailable(new Error('the Redis engine is not started')));
    const unknown = () => unavailable(new Error('the Redis server identity is not known yet after a reconnect'));
    if (connections.identity.current === undefined) return Promise.reject(unknown());
    // Read again as the command is sent: the identity belongs to the connection it goes out on.
    return connections.run((client) => {
      const server = connections.identity.current;
      return server === undefined ? Promise.reject(unknown()) : command(client, server);
    }, effect);
  }
}
