/**
 * The public types of a server: what `createServer` returns and what its methods answer.
 */
import type { Logger } from 'pino';
import type { PresenceInfo, StreamPosition } from '../protocol/frames.js';
import type { ResolvedOptions } from './config/options.js';
import type { Client } from './connection/connection.js';
import type { DisconnectOptions } from './connection/control.js';

/** A topic's history as `server.history()` answers it. */
export interface TopicHistory {
  epoch: string;
  seq: number;
  /** With `since`: whether every publication after it is included. */
  recovered: boolean;
  publications: Array<{ seq: number; time: number; data: unknown }>;
}

/** Where a server is listening. */
export interface ListenInfo {
  host: string;
  port: number;
  /** `ws://host:port/` (loopback shown as 127.0.0.1 when bound to all interfaces). */
  url: string;
}

/** A point-in-time view of the server's counters. */
export interface ServerStats {
  connections: number;
  connectionsOpened: number;
  publications: number;
  messagesIn: number;
  bytesIn: number;
  badFrames: number;
  uptimeSeconds: number;
}

/** A running (or ready to run) Switchboard server, as `createServer` returns it. */
export interface Server {
  /** Starts listening (options.port/host unless given); resolves with the bound port. */
  listen(port?: number, host?: string): Promise<ListenInfo>;
  /**
   * Publishes to a topic; resolves with the topic sequence number. With an `idempotencyKey` already
   * used on this topic within `idempotencyWindowMs`, publishes nothing and resolves with the first seq.
   * `tags` (string → string, docs/protocol.md §5.6) decide which filtered subscriptions get it;
   * shapes past the documented limits reject with BAD_FRAME.
   */
  publish(topic: string, data: unknown, options?: { idempotencyKey?: string; tags?: Readonly<Record<string, string>> }): Promise<number>;
  /**
   * Who is on a presence-enabled topic (throws UNSUPPORTED when presence is off for it): on this
   * server, answered synchronously, or on every server sharing a Redis engine, as a promise.
   */
  presence(topic: string): PresenceInfo | Promise<PresenceInfo>;
  /**
   * A topic's retained publications (data unpacked): the latest `limit` (default 100), or with
   * `since` everything after that position, all or nothing (`recovered`).
   */
  history(topic: string, options?: { since?: StreamPosition; limit?: number }): Promise<TopicHistory>;
  /**
   * Subscribes every connection of a user to topics: on this server, answered synchronously, or on
   * every server sharing a Redis engine, as a promise (like the HTTP API). Returns how many connections.
   */
  subscribeUser(userId: string, topics: readonly string[]): number | Promise<number>;
  /** Unsubscribes every connection of a user from topics (everywhere, as `subscribeUser`); returns how many connections. */
  unsubscribeUser(userId: string, topics: readonly string[]): number | Promise<number>;
  /** Closes every connection of a user (default 4501 KICKED; everywhere, as `subscribeUser`); returns how many. */
  disconnectUser(userId: string, options?: DisconnectOptions): number | Promise<number>;
  /**
   * Publishes the same data to several topics (packed once); resolves with their sequence numbers.
   * With an `idempotencyKey`, each topic remembers it as `publish` does, so a retried broadcast
   * publishes only where the first attempt did not.
   */
  broadcast(topics: readonly string[], data: unknown, options?: { idempotencyKey?: string }): Promise<number[]>;
  /** Stops accepting, closes every socket with 1001, stops the engine. */
  close(): Promise<void>;
  /**
   * Leaves gracefully over `drainMs`: /readyz 503 at once, the listener closed after the first
   * quarter, every socket closed with 1012 SERVICE_RESTART spread over the rest, then `close()`.
   */
  drain(): Promise<void>;
  /** This process's worker id under `switchboard --workers`, else undefined. */
  readonly workerId: string | undefined;
  /** The counters now. */
  stats(): ServerStats;
  /** Open connections by id (the client registry). */
  readonly clients: ReadonlyMap<string, Client>;
  /** Which uWS build is serving: name, version, tls, compression. */
  readonly uws: { name: string; version: string; tls: boolean; compression: boolean };
  readonly options: ResolvedOptions;
  readonly logger: Logger;
}
