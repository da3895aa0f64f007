/**
 * createServer(): wires options, hooks, the uWS app, the hub, the session rules and the HTTP API
 * together, and owns the lifecycle (listen, graceful close).
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { unpackValue } from '../protocol/codec.js';
import { CloseCode } from '../protocol/codes.js';
import type { StreamPosition } from '../protocol/frames.js';
import { toError } from '../protocol/errors.js';
import type { PresenceInfo } from '../protocol/frames.js';
import { Admission } from './admission.js';
import { createAuthenticator } from './auth.js';
import { createClientAddressResolver } from './client-address.js';
import { MemoryBroker } from './broker.js';
import type { Client, Connection, UserData } from './connection.js';
import { Control, type DisconnectOptions } from './control.js';
import { registerHttpApi } from './http-api.js';
import { Hub } from './hub.js';
import { createLogger } from './logger.js';
import { createMetrics, newTrafficCounters } from './metrics.js';
import { buildNamespaces, resolveOptions, type ResolvedOptions, type ServerOptions } from './options.js';
import { Permissions } from './permissions.js';
import { Session } from './session.js';
import { createSocketBehavior } from './socket-behavior.js';
import { createRefresher } from './token-refresh.js';
import { createTokenVerifier } from './token-verifier.js';
import { createUpgradeHandler } from './upgrade.js';
import { closeListenSocket, describeUws, listenExclusive, listenPort, loadUws, type ListenSocket } from './uws.js';

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

export interface Server {
  /** Starts listening (options.port/host unless given); resolves with the bound port. */
  listen(port?: number, host?: string): Promise<ListenInfo>;
  /**
   * Publishes to a topic; resolves with the topic sequence number. With an `idempotencyKey` already
   * used on this topic within `idempotencyWindowMs`, publishes nothing and resolves with the first seq.
   */
  publish(topic: string, data: unknown, options?: { idempotencyKey?: string }): Promise<number>;
  /** Who is on a presence-enabled topic on this server (throws UNSUPPORTED when presence is off for it). */
  presence(topic: string): PresenceInfo;
  /**
   * A topic's retained publications (data unpacked): the latest `limit` (default 100), or with
   * `since` everything after that position, all or nothing (`recovered`).
   */
  history(topic: string, options?: { since?: StreamPosition; limit?: number }): Promise<TopicHistory>;
  /** Subscribes every connection of a user on this server to topics; returns how many connections. */
  subscribeUser(userId: string, topics: readonly string[]): number;
  /** Unsubscribes every connection of a user on this server from topics; returns how many connections. */
  unsubscribeUser(userId: string, topics: readonly string[]): number;
  /** Closes every connection of a user on this server (default 4501 KICKED); returns how many. */
  disconnectUser(userId: string, options?: DisconnectOptions): number;
  /** Publishes the same data to several topics (packed once); resolves with their sequence numbers. */
  broadcast(topics: readonly string[], data: unknown): Promise<number[]>;
  /** Stops accepting, closes every socket with 1001, stops the broker. */
  close(): Promise<void>;
  stats(): ServerStats;
  /** Open connections by id (the client registry). */
  readonly clients: ReadonlyMap<string, Client>;
  /** Which uWS build is serving: name, version, tls, compression. */
  readonly uws: { name: string; version: string; tls: boolean; compression: boolean };
  readonly options: ResolvedOptions;
  readonly logger: Logger;
}

const CLOSE_GRACE_MS = 2000;

/** Creates a server. Nothing listens until `listen()`. */
export function createServer(input: Partial<ServerOptions> = {}): Server {
  const options = resolveOptions(input);
  const logger = options.logger ?? createLogger(options.logLevel);
  const binding = loadUws();
  const { uws } = binding;
  const app = uws.App();
  const broker = options.broker ?? new MemoryBroker({ maxBytes: options.historyMaxBytes });
  const namespaces = buildNamespaces(options);
  const hub = new Hub(app, broker, options, namespaces);
  const verifier = createTokenVerifier(options);
  const clientAddress = createClientAddressResolver(options.trustedProxies);
  const traffic = newTrafficCounters();
  const metrics = createMetrics(hub, traffic);
  const startedAt = Date.now();
  const idPrefix = randomBytes(4).toString('hex');
  let nextId = 0;
  let listenSocket: ListenSocket | undefined;
  let slowConsumerCheck: ReturnType<typeof setInterval> | undefined;
  let closing: Promise<void> | undefined;

  const reportError = (error: Error, connection?: Connection) => {
    logger.error({ err: error, connection: connection?.id }, 'application hook failed');
    try {
      options.onError?.(error, connection);
    } catch (hookError) {
      logger.error({ err: hookError }, 'onError hook threw');
    }
  };
  const runHook = (connection: Connection, run: () => void | Promise<void>) => {
    try {
      const result = run();
      if (result instanceof Promise) result.catch((err: unknown) => reportError(toError(err), connection));
    } catch (err) {
      reportError(toError(err), connection);
    }
  };

  const session = new Session(hub, options, options, reportError, {
    permissions: new Permissions(namespaces, verifier),
    refresh: createRefresher(verifier),
  });
  const control = new Control(hub, options);
  const anonymous = verifier === undefined && options.authenticate === undefined;

  app.ws<UserData>(
    '/*',
    createSocketBehavior({
      options,
      hub,
      session,
      traffic,
      runHook,
      reportError,
      compressionDisabled: uws.DISABLED,
      upgrade: createUpgradeHandler({
        host: hub,
        allowedOrigins: options.allowedOrigins,
        authenticator: createAuthenticator(verifier, options.authenticate),
        authTimeoutMs: options.authTimeoutMs,
        admission: new Admission(options),
        clientAddress,
        rateLimits: options,
        nextId: () => `${idPrefix}-${(nextId++).toString(36)}`,
        onRefused: () => traffic.upgradesRefused++,
        onUnexpected: (error) => reportError(error),
      }),
    }),
  );

  registerHttpApi({ app, hub, control, options, metrics, traffic, startedAt, clientAddress, onUnexpected: (error) => reportError(error) });

  const server: Server = {
    options,
    logger,
    clients: hub.connections,
    uws: { name: binding.name, version: binding.version, tls: binding.tls, compression: binding.compression },

    async listen(port = options.port, host = options.host) {
      if (listenSocket) throw new Error('server is already listening');
      await broker.start(hub.deliver, hub.isActive);
      // Stalled readers fire no uWS event at all, so every socket's buffer is looked at on a timer.
      slowConsumerCheck = setInterval(() => {
        for (const connection of hub.connections.values()) hub.lanes.check(connection);
      }, options.slowConsumerCheckMs);
      slowConsumerCheck.unref();
      // Exclusive: without it Linux lets a second server bind the same port and silently split
      // the connections (each half with its own sequence numbers).
      const socket = await new Promise<ListenSocket | false>((resolve) => listenExclusive(binding, app, host, port, resolve));
      if (socket === false) throw new Error(`could not listen on ${host}:${port} (address in use or not permitted)`);
      listenSocket = socket;
      const bound = listenPort(binding, socket);
      const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
      logger.info({ uws: describeUws(binding), skipped: binding.skipped, host, port: bound }, 'listening');
      if (anonymous) logger.warn('anonymous connections allowed: set SWITCHBOARD_JWT_SECRET, a public key or JWKS URL, or an authenticate hook');
      if (options.apiKey === undefined) {
        logger.warn('HTTP API answers loopback callers only (behind a reverse proxy on this host every request looks local): set SWITCHBOARD_API_KEY');
      }
      return { host, port: bound, url: `ws://${shownHost}:${bound}/` };
    },

    async publish(topic, data, publishOptions) {
      return (await control.publish(topic, data, publishOptions?.idempotencyKey)).seq;
    },

    presence: (topic) => control.presence(topic),
    async history(topic, { since, limit = 100 } = {}) {
      const read = await hub.history(topic, since ?? null, limit);
      return {
        epoch: read.epoch,
        seq: read.seq,
        recovered: read.recovered,
        publications: read.publications.map((p) => ({ seq: p.seq, time: p.time, data: unpackValue(p.payload) })),
      };
    },
    subscribeUser: (userId, topics) => control.subscribeUser(userId, topics),
    unsubscribeUser: (userId, topics) => control.unsubscribeUser(userId, topics),
    disconnectUser: (userId, disconnectOptions) => control.disconnectUser(userId, disconnectOptions),

    async broadcast(topics, data) {
      return Promise.all(hub.broadcast(topics, data));
    },

    close() {
      closing ??= (async () => {
        if (listenSocket) closeListenSocket(binding, listenSocket);
        listenSocket = undefined;
        clearInterval(slowConsumerCheck);
        for (const connection of [...hub.connections.values()]) connection.close(CloseCode.GoingAway, 'server shutting down');
        const deadline = Date.now() + CLOSE_GRACE_MS;
        while (hub.connections.size > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
        await broker.close();
        // Drop whatever is left (keep-alive HTTP sockets, unresponsive peers) so the process can exit.
        app.close?.();
      })();
      return closing;
    },

    stats() {
      return {
        connections: hub.connections.size,
        connectionsOpened: hub.counters.connectionsOpened,
        publications: hub.counters.publications,
        messagesIn: traffic.messagesIn,
        bytesIn: traffic.bytesIn,
        badFrames: traffic.badFrames,
        uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
      };
    },
  };
  return server;
}
