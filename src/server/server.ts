/**
 * createServer(): wires options, hooks, the uWS app, the hub, the session rules and the HTTP API
 * together, and owns the lifecycle (listen, graceful close).
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { CloseCode } from '../protocol/codes.js';
import { toError } from '../protocol/errors.js';
import { Admission } from './admission.js';
import { createAuthenticator } from './auth.js';
import { createClientAddressResolver } from './client-address.js';
import { MemoryBroker } from './broker.js';
import type { Client, Connection, UserData } from './connection.js';
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
  /** Publishes to a topic; resolves with the topic sequence number. */
  publish(topic: string, data: unknown): Promise<number>;
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
  const broker = options.broker ?? new MemoryBroker();
  const namespaces = buildNamespaces(options);
  const hub = new Hub(app, broker, { maxTopicBytes: options.maxTopicBytes }, namespaces);
  const verifier = createTokenVerifier(options);
  const clientAddress = createClientAddressResolver(options.trustedProxies);
  const traffic = newTrafficCounters();
  const metrics = createMetrics(hub, traffic);
  const startedAt = Date.now();
  const idPrefix = randomBytes(4).toString('hex');
  let nextId = 0;
  let listenSocket: ListenSocket | undefined;
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

  registerHttpApi({ app, hub, options, metrics, traffic, startedAt, clientAddress, onUnexpected: (error) => reportError(error) });

  const server: Server = {
    options,
    logger,
    clients: hub.connections,
    uws: { name: binding.name, version: binding.version, tls: binding.tls, compression: binding.compression },

    async listen(port = options.port, host = options.host) {
      if (listenSocket) throw new Error('server is already listening');
      await broker.start(hub.deliver);
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

    async publish(topic, data) {
      return hub.publish(topic, data);
    },

    async broadcast(topics, data) {
      return Promise.all(hub.broadcast(topics, data));
    },

    close() {
      closing ??= (async () => {
        if (listenSocket) closeListenSocket(binding, listenSocket);
        listenSocket = undefined;
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
